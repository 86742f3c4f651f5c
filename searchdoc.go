package canopy

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// SearchClasses is the number of weight classes an indexed document's text
// falls into: 0 (like a title) ranks highest, 3 (body text) lowest. They are
// PostgreSQL's weights A–D and the four columns of SQLite's FTS5 table.
const SearchClasses = 4

// SearchDoc is what the search index keeps of one object: its text by weight
// class, and the plain title and body that result snippets are cut from.
type SearchDoc struct {
	Text  [SearchClasses]string
	Title string
	Body  string
}

func (d *SearchDoc) add(class int, s string) {
	s = strings.TrimSpace(s)
	if s == "" || class < 0 {
		return
	}
	if d.Text[class] != "" {
		d.Text[class] += "\n"
	}
	d.Text[class] += s
	if class > 0 {
		if d.Body != "" {
			d.Body += " … "
		}
		d.Body += s
	}
}

// SearchClass is the weight class a field is indexed in, or -1 when it is not
// searched: text and rich-text fields are searched unless Searchable is false,
// other types only never. SearchBoost (as in Wagtail's boost) moves a field up:
// 5 and above ranks with the title, 2 with the search description, above 1
// with introductions, else with the body.
func (f *Field) SearchClass() int {
	if f.Type != FieldText && f.Type != FieldRichText || f.Searchable != nil && !*f.Searchable {
		return -1
	}
	switch b := f.SearchBoost; {
	case b >= 5:
		return 0
	case b >= 2:
		return 1
	case b > 1:
		return 2
	}
	return 3
}

// PlainTextFunc turns rich text (HTML) into the words a reader sees; the
// adapter that indexes supplies it (the domain parses no HTML).
type PlainTextFunc func(html string) string

// fieldSearchText is a field's value as plain words.
func fieldSearchText(f *Field, v any, plain PlainTextFunc) string {
	s, _ := v.(string)
	if f.Type == FieldRichText && plain != nil {
		return plain(s)
	}
	return s
}

// PageSearchDoc is what the index keeps of a page's content: the title and
// SEO title with titles, the search description next, then the type's
// searchable fields by their weight.
func PageSearchDoc(pt *PageType, c PageContent, plain PlainTextFunc) SearchDoc {
	d := SearchDoc{Title: c.Title}
	d.add(0, c.Title)
	d.add(0, c.SeoTitle)
	d.add(1, c.SearchDescription)
	if pt != nil {
		for i := range pt.Fields {
			f := &pt.Fields[i]
			if cl := f.SearchClass(); cl >= 0 {
				d.add(cl, fieldSearchText(f, c.Fields[f.Name], plain))
			}
		}
	}
	return d
}

// SnippetSearchDoc is what the index keeps of a snippet: its title, then the
// fields its type lists in Search.
func SnippetSearchDoc(st *SnippetType, title string, fields map[string]any, plain PlainTextFunc) SearchDoc {
	d := SearchDoc{Title: title}
	d.add(0, title)
	for _, name := range st.Search {
		if f := st.Field(name); f != nil {
			if s := fieldSearchText(f, fields[name], plain); s != title {
				d.add(2, s)
			}
		}
	}
	return d
}

// MediaSearchDoc is what the index keeps of an image or a document: its
// title, then its tags.
func MediaSearchDoc(title string, tags []string) SearchDoc {
	d := SearchDoc{Title: title}
	d.add(0, title)
	d.add(1, strings.Join(tags, ", "))
	return d
}

// IsSearchTokenRune reports whether r is part of a word for the search index
// (letters, numbers, combining marks, private use): everything else separates
// words, as in SQLite's unicode61 tokenizer.
func IsSearchTokenRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsNumber(r) || unicode.Is(unicode.Mn, r) || unicode.Is(unicode.Co, r)
}

// Snippet part of a search result: text, and whether it matched the query.
type SnippetPart struct {
	Text  string
	Match bool
}

// Highlight cuts a snippet of about max characters out of text around the
// first words that match the query, with the matches marked. Words match by
// a light English stem (galaxies, galaxy) or, for a prefix term, by their
// start; finding is the engine's job, this only shows why a result came.
// It returns nil when text is empty.
func Highlight(text string, q *SearchQuery, max int) []SnippetPart {
	if text == "" {
		return nil
	}
	stems := map[string]bool{}
	var prefixes []string
	if q != nil {
		for _, g := range q.Groups {
			for _, t := range g {
				for i, w := range t.Words {
					if t.Prefix && i == len(t.Words)-1 {
						prefixes = append(prefixes, w)
					} else {
						stems[lightStem(w)] = true
					}
				}
			}
		}
	}
	matches := func(word string) bool {
		w := strings.ToLower(word)
		if stems[lightStem(w)] {
			return true
		}
		for _, p := range prefixes {
			if strings.HasPrefix(w, p) {
				return true
			}
		}
		return false
	}
	// Words with their byte offsets.
	type span struct{ start, end int }
	var words []span
	for i := 0; i < len(text); {
		r, n := utf8.DecodeRuneInString(text[i:])
		if !IsSearchTokenRune(r) {
			i += n
			continue
		}
		j := i
		for j < len(text) {
			r, n := utf8.DecodeRuneInString(text[j:])
			if !IsSearchTokenRune(r) {
				break
			}
			j += n
		}
		words = append(words, span{i, j})
		i = j
	}
	first := -1
	for k, w := range words {
		if matches(text[w.start:w.end]) {
			first = k
			break
		}
	}
	// The window: from a few words before the first match, max bytes long,
	// cut at word boundaries.
	start := 0
	if first > 0 {
		k := first - 6
		if k < 0 {
			k = 0
		}
		start = words[k].start
	}
	end := len(text)
	if end-start > max {
		end = start + max
		for k := len(words) - 1; k >= 0; k-- {
			if words[k].end <= end {
				end = words[k].end
				break
			}
		}
		if end <= start {
			end = start + max
			for !utf8.RuneStart(text[end]) {
				end--
			}
		}
	}
	var out []SnippetPart
	if start > 0 {
		out = append(out, SnippetPart{Text: "… "})
	}
	pos := start
	for _, w := range words {
		if w.start < start || w.end > end {
			continue
		}
		if matches(text[w.start:w.end]) {
			if w.start > pos {
				out = append(out, SnippetPart{Text: text[pos:w.start]})
			}
			out = append(out, SnippetPart{Text: text[w.start:w.end], Match: true})
			pos = w.end
		}
	}
	if end > pos {
		out = append(out, SnippetPart{Text: text[pos:end]})
	}
	if end < len(text) {
		out = append(out, SnippetPart{Text: " …"})
	}
	return out
}

// lightStem drops common English endings, so the forms of a word compare equal
// for highlighting (galaxies, galaxy → galax; shining, shines → shin).
func lightStem(w string) string {
	for _, suf := range []string{"ies", "ing", "es", "ed", "ly", "s", "y", "e"} {
		if len(w)-len(suf) >= 3 && strings.HasSuffix(w, suf) {
			return w[:len(w)-len(suf)]
		}
	}
	return w
}
