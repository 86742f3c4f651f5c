package contentapi

import (
	"fmt"
	"strings"
)

// fieldItem is one item of the content API's fields parameter:
// "*", "_", "name", "-name" or "name(sub,…)".
type fieldItem struct {
	name   string
	remove bool
	sub    []fieldItem
}

// parseFields parses the fields parameter following Wagtail's grammar.
func parseFields(s string) ([]fieldItem, error) {
	p := &fieldParser{s: s}
	items, err := p.list()
	if err != nil {
		return nil, err
	}
	if p.pos != len(p.s) {
		return nil, fmt.Errorf("unexpected char '%c' at position %d", p.s[p.pos], p.pos)
	}
	return items, nil
}

type fieldParser struct {
	s   string
	pos int
}

func (p *fieldParser) list() ([]fieldItem, error) {
	var out []fieldItem
	for {
		it, err := p.item()
		if err != nil {
			return nil, err
		}
		out = append(out, it)
		if p.pos < len(p.s) && p.s[p.pos] == ',' {
			p.pos++
			continue
		}
		return out, nil
	}
}

func (p *fieldParser) item() (fieldItem, error) {
	var it fieldItem
	if p.pos < len(p.s) && (p.s[p.pos] == '*' || p.s[p.pos] == '_') && (p.pos+1 == len(p.s) || strings.IndexByte(",)", p.s[p.pos+1]) >= 0) {
		it.name = p.s[p.pos : p.pos+1]
		p.pos++
		return it, nil
	}
	if p.pos < len(p.s) && p.s[p.pos] == '-' {
		it.remove = true
		p.pos++
	}
	start := p.pos
	for p.pos < len(p.s) {
		c := p.s[p.pos]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '_' {
			p.pos++
			continue
		}
		break
	}
	if p.pos == start {
		if p.pos == len(p.s) {
			return it, fmt.Errorf("unexpected end of input (did you miss out a field name?)")
		}
		return it, fmt.Errorf("unexpected char '%c' at position %d", p.s[p.pos], p.pos)
	}
	it.name = p.s[start:p.pos]
	if p.pos < len(p.s) && p.s[p.pos] == '(' {
		if it.remove {
			return it, fmt.Errorf("unexpected char '(' at position %d", p.pos)
		}
		p.pos++
		sub, err := p.list()
		if err != nil {
			return it, err
		}
		if p.pos >= len(p.s) || p.s[p.pos] != ')' {
			return it, fmt.Errorf("unexpected end of input (did you miss out a close bracket?)")
		}
		p.pos++
		it.sub = sub
	}
	return it, nil
}
