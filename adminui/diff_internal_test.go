package adminui

import "testing"

// TestInlineDiffByWords: a changed word is shown whole, removed and added,
// never as letters scattered across it; unchanged words stay plain; the
// text is escaped.
func TestInlineDiffByWords(t *testing.T) {
	for _, c := range []struct{ a, b, want string }{
		{"The quick brown fox", "The quick red fox", "The quick <del>brown</del><ins>red</ins> fox"},
		{"Open lab night", "Open lab evening", "Open lab <del>night</del><ins>evening</ins>"},
		{"We count stars.", "We counted stars.", "We <del>count</del><ins>counted</ins> stars."},
		{"a <b> & c", "a <b> & d", "a &lt;b&gt; &amp; <del>c</del><ins>d</ins>"},
		{"", "New text", "<ins>New text</ins>"},
		{"Café crème", "Café noir", "Café <del>crème</del><ins>noir</ins>"},
	} {
		if got := string(inlineDiff(c.a, c.b)); got != c.want {
			t.Errorf("%q → %q:\n got %s\nwant %s", c.a, c.b, got, c.want)
		}
	}
}
