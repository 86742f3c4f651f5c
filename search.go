package canopy

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// MaxSearchLength is the longest search query accepted, in characters.
const MaxSearchLength = 1000

// SearchTerm is one thing to find: a word, or a phrase of words that must
// appear in this order; Prefix makes the last word match any word it starts
// (search as you type: "gal*" finds "galaxy").
type SearchTerm struct {
	Words  []string
	Prefix bool
}

// SearchQuery is a parsed search: any of Groups matches, and a group matches
// when all of its terms do (OR of ANDs). It holds words only, lower-cased:
// nothing a user typed reaches a search engine as syntax.
type SearchQuery struct {
	Groups [][]SearchTerm
}

// searchStopWords are English words too common to search for on their own
// (PostgreSQL's english configuration drops them; FTS5 would match almost
// every page). Inside a quoted phrase they are kept.
var searchStopWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`a an and are as at be but by for from has have he her his i if in into is it its
		of on or our she so than that the their them then there these they this to was we were what when which who will with you your`) {
		searchStopWords[w] = true
	}
}

// ParseSearch reads what a user typed into a search box: words, "quoted
// phrases", a trailing * for a prefix, and AND / OR (upper case) between
// terms; everything else (":", "(", "NEAR(", "-", "^", stray quotes) is a
// separator, never syntax. operator ("and" or "or", "" for "and") joins terms
// written side by side. A query that is empty, longer than MaxSearchLength,
// or only punctuation or stop words is an EINVALID error naming the field
// "search".
func ParseSearch(q, operator string) (*SearchQuery, error) {
	switch operator {
	case "", "and", "or":
	default:
		return nil, FieldErrorf("search_operator", EINVALID, "search_operator must be and or or")
	}
	if !utf8.ValidString(q) {
		return nil, FieldErrorf("search", EINVALID, "the search is not valid text")
	}
	if utf8.RuneCountInString(q) > MaxSearchLength {
		return nil, FieldErrorf("search", EINVALID, "the search is longer than %d characters", MaxSearchLength)
	}
	if strings.TrimSpace(q) == "" {
		return nil, FieldErrorf("search", EINVALID, "type something to search for")
	}
	type token struct {
		term    SearchTerm
		and, or bool // an operator keyword
	}
	var toks []token
	rs := []rune(q)
	for i := 0; i < len(rs); {
		r := rs[i]
		switch {
		case r == '"':
			// A phrase up to the closing quote (or the end).
			j := i + 1
			for j < len(rs) && rs[j] != '"' {
				j++
			}
			words := searchWords(string(rs[i+1 : j]))
			if len(words) > 0 {
				toks = append(toks, token{term: SearchTerm{Words: words}})
			}
			i = j + 1
		case isSearchRune(r):
			j := i
			for j < len(rs) && isSearchRune(rs[j]) {
				j++
			}
			word := string(rs[i:j])
			prefix := j < len(rs) && rs[j] == '*'
			switch {
			case word == "AND" && !prefix:
				toks = append(toks, token{and: true})
			case word == "OR" && !prefix:
				toks = append(toks, token{or: true})
			default:
				w := strings.ToLower(word)
				if prefix || !searchStopWords[w] {
					toks = append(toks, token{term: SearchTerm{Words: []string{w}, Prefix: prefix}})
				}
			}
			i = j
		default:
			i++
		}
	}
	out := &SearchQuery{}
	var group []SearchTerm
	for k, t := range toks {
		switch {
		case t.or:
			if len(group) > 0 {
				out.Groups = append(out.Groups, group)
				group = nil
			}
		case t.and:
		default:
			// Side by side with the previous term (no keyword between):
			// the default operator decides.
			if operator == "or" && len(group) > 0 && !toks[k-1].and {
				out.Groups = append(out.Groups, group)
				group = nil
			}
			group = append(group, t.term)
		}
	}
	if len(group) > 0 {
		out.Groups = append(out.Groups, group)
	}
	if len(out.Groups) == 0 {
		return nil, FieldErrorf("search", EINVALID, "search for a word that is not as common as %q", strings.TrimSpace(q))
	}
	return out, nil
}

func isSearchRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// searchWords splits a phrase into lower-cased words (stop words kept: they
// hold the phrase's shape).
func searchWords(s string) []string {
	f := strings.FieldsFunc(s, func(r rune) bool { return !isSearchRune(r) })
	for i, w := range f {
		f[i] = strings.ToLower(w)
	}
	return f
}

// String writes the query back in the form ParseSearch reads (for logs and
// tests): groups joined by OR, terms by AND.
func (q *SearchQuery) String() string {
	var groups []string
	for _, g := range q.Groups {
		var terms []string
		for _, t := range g {
			s := strings.Join(t.Words, " ")
			if len(t.Words) > 1 {
				s = `"` + s + `"`
			}
			if t.Prefix {
				s += "*"
			}
			terms = append(terms, s)
		}
		groups = append(groups, strings.Join(terms, " AND "))
	}
	return strings.Join(groups, " OR ")
}
