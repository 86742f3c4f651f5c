package adminui

import (
	"html"
	"html/template"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/sergi/go-diff/diffmatchpatch"
)

// Field-by-field comparison of two versions of a page's content, as text:
// rich text is compared by its words (tags removed), so that nothing of
// either side is ever rendered as HTML here.

type diffRow struct {
	Label    string
	Old, New string
	Changed  bool
	// Inline is the change marked up with <del> and <ins> (escaped text).
	Inline template.HTML
}

var tagRE = regexp.MustCompile(`<[^>]*>`)

// plainText is rich text as words: tags become spaces, entities are decoded.
func plainText(s string) string {
	s = tagRE.ReplaceAllString(s, " ")
	return strings.Join(strings.Fields(html.UnescapeString(s)), " ")
}

func fieldText(f *canopy.Field, v any) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		if f != nil && f.Type == canopy.FieldRichText {
			return plainText(x)
		}
		if f != nil && f.Type == canopy.FieldDateTime {
			if t, err := time.Parse(time.RFC3339, x); err == nil {
				return when(t)
			}
		}
		return x
	case bool:
		if x {
			return "Yes"
		}
		return "No"
	case float64:
		return strconv.FormatInt(int64(x), 10)
	case int64:
		return strconv.FormatInt(x, 10)
	}
	return ""
}

// wordRE splits text into words, runs of spaces, and single other characters
// (punctuation): the units a change is shown in.
var wordRE = regexp.MustCompile(`[\p{L}\p{N}\p{M}_'’-]+|\s+|.`)

// wordDiff compares two texts word by word (as diff-match-patch compares
// lines: each distinct word becomes one character, the characters are
// compared, and the words put back), so that a changed word is shown as that
// word removed and its replacement added, never as scattered letters.
func wordDiff(a, b string) []diffmatchpatch.Diff {
	ids := map[string]rune{}
	var words []string
	encode := func(s string) []rune {
		toks := wordRE.FindAllString(s, -1)
		out := make([]rune, len(toks))
		for i, t := range toks {
			r, ok := ids[t]
			if !ok {
				// Private-use code points: 6,400 in the BMP, then plane 15.
				n := len(words)
				if n < 0xF900-0xE000 {
					r = rune(0xE000 + n)
				} else {
					r = rune(0xF0000 + n - (0xF900 - 0xE000))
				}
				ids[t] = r
				words = append(words, t)
			}
			out[i] = r
		}
		return out
	}
	ra, rb := encode(a), encode(b)
	byRune := make(map[rune]string, len(ids))
	for t, r := range ids {
		byRune[r] = t
	}
	dmp := diffmatchpatch.New()
	// Cleaned up while each word is one character: the cleanup then merges
	// whole words, never the letters two words share.
	diffs := dmp.DiffCleanupSemantic(dmp.DiffMainRunes(ra, rb, false))
	out := diffs[:0]
	for _, d := range diffs {
		var sb strings.Builder
		for _, r := range d.Text {
			sb.WriteString(byRune[r])
		}
		if d.Text = sb.String(); d.Text != "" {
			out = append(out, d)
		}
	}
	return out
}

func inlineDiff(a, b string) template.HTML {
	var out strings.Builder
	for _, d := range wordDiff(a, b) {
		t := template.HTMLEscapeString(d.Text)
		switch d.Type {
		case diffmatchpatch.DiffDelete:
			out.WriteString("<del>" + t + "</del>")
		case diffmatchpatch.DiffInsert:
			out.WriteString("<ins>" + t + "</ins>")
		default:
			out.WriteString(t)
		}
	}
	return template.HTML(out.String())
}

// diffContent compares two contents of a page type, field by field.
func diffContent(pt *canopy.PageType, a, b canopy.PageContent) []diffRow {
	var rows []diffRow
	add := func(label, x, y string) {
		r := diffRow{Label: label, Old: x, New: y, Changed: x != y}
		if r.Changed {
			r.Inline = inlineDiff(x, y)
		}
		rows = append(rows, r)
	}
	add("Title", a.Title, b.Title)
	for i := range pt.Fields {
		f := &pt.Fields[i]
		add(f.Label, fieldText(f, a.Fields[f.Name]), fieldText(f, b.Fields[f.Name]))
	}
	add("Slug", a.Slug, b.Slug)
	add("Title for search engines", a.SeoTitle, b.SeoTitle)
	add("Search description", a.SearchDescription, b.SearchDescription)
	add("Show in menus", fieldText(nil, a.ShowInMenus), fieldText(nil, b.ShowInMenus))
	add("Hide from search engines", fieldText(nil, a.HideFromSearch), fieldText(nil, b.HideFromSearch))
	add("Go-live", when(a.GoLiveAt), when(b.GoLiveAt))
	add("Expiry", when(a.ExpireAt), when(b.ExpireAt))
	return rows
}

// contentOfForm is a form's input as content (for comparing; not validated).
func contentOfForm(f *pageForm) canopy.PageContent {
	c := canopy.PageContent{Title: f.Title.Value, Slug: f.Slug.Value, SeoTitle: f.SeoTitle.Value, SearchDescription: f.SearchDescription.Value,
		ShowInMenus: f.ShowInMenus.Checked, HideFromSearch: f.HideFromSearch.Checked, Fields: map[string]any{}}
	if t, err := parseDateTime(f.GoLiveAt.Value); err == nil {
		c.GoLiveAt = &t
	}
	if t, err := parseDateTime(f.ExpireAt.Value); err == nil {
		c.ExpireAt = &t
	}
	for _, ff := range f.Fields {
		name := strings.TrimPrefix(ff.Name, "f.")
		switch canopy.FieldType(ff.Kind) {
		case canopy.FieldBoolean:
			c.Fields[name] = ff.Checked
		case canopy.FieldDateTime:
			if t, err := parseDateTime(ff.Value); err == nil {
				c.Fields[name] = t.Format(time.RFC3339)
			}
		default:
			if ff.Value != "" {
				c.Fields[name] = ff.Value
			}
		}
	}
	return c
}
