package sqlstore

import (
	"strings"

	"golang.org/x/net/html"
)

// inline are the tags inside a word's run of text ("<b>Alpha</b>." reads
// "Alpha."): no word break.
var inline = map[string]bool{"a": true, "b": true, "strong": true, "i": true, "em": true, "code": true, "span": true,
	"sub": true, "sup": true, "s": true, "u": true, "mark": true, "small": true, "abbr": true}

// PlainText is rich text (HTML) as the words a reader sees: block tags are
// word breaks (inline ones are not), entities decoded, scripts and styles
// dropped, spaces collapsed.
func PlainText(s string) string {
	if !strings.ContainsAny(s, "<&") {
		return strings.Join(strings.Fields(s), " ")
	}
	var b strings.Builder
	z := html.NewTokenizer(strings.NewReader(s))
	skip := 0
	for {
		switch z.Next() {
		case html.ErrorToken:
			return strings.Join(strings.Fields(b.String()), " ")
		case html.TextToken:
			if skip == 0 {
				b.Write(z.Text())
			}
		case html.StartTagToken:
			n, _ := z.TagName()
			if string(n) == "script" || string(n) == "style" {
				skip++
			}
			if !inline[string(n)] {
				b.WriteByte(' ')
			}
		case html.EndTagToken:
			n, _ := z.TagName()
			if (string(n) == "script" || string(n) == "style") && skip > 0 {
				skip--
			}
			if !inline[string(n)] {
				b.WriteByte(' ')
			}
		case html.SelfClosingTagToken:
			b.WriteByte(' ')
		}
	}
}
