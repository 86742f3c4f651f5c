package adminui_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/input"
	"github.com/chromedp/chromedp"

	"github.com/canopy-cms/canopy/internal/browser"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
)

// waitFor polls a JavaScript condition until it is true (10 s at most).
func waitFor(t *testing.T, b *browser.Browser, cond string) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		if b.Eval("String(!!("+cond+"))") == "true" {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s (at %s)", cond, b.Eval("location.href"))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// ctrlKey presses Ctrl and a key, as a person does.
func ctrlKey(b *browser.Browser, key, code string, vk int64) {
	b.Run(chromedp.Func(func(c context.Context, t *chromedp.Target) error {
		for _, typ := range []input.DispatchKeyEventType{input.DispatchKeyEventTypeRawKeyDown, input.DispatchKeyEventTypeKeyUp} {
			if _, err := cdp.Call(c, t, input.DispatchKeyEvent, input.DispatchKeyEventParams{Type: typ, Key: key, Code: code,
				Modifiers: 2, WindowsVirtualKeyCode: vk, NativeVirtualKeyCode: vk}); err != nil {
				return err
			}
		}
		return nil
	}))
}

// publicGet fetches a public page of a demo site.
func (d *demo) publicGet(host, path string) (int, string) {
	d.t.Helper()
	req, _ := http.NewRequest("GET", d.url+path, nil)
	req.Host = host
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(body)
}

// TestBrowserCreateEventPage: a site admin creates an event page filling
// every field type (rich text with a page link and an image chosen through
// the chooser), saves, previews, publishes and reads it on the public site.
func TestBrowserCreateEventPage(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-admin", d.password["alpha-admin"])
	events := d.page(d.alpha, "/events/")

	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/pages/%d/add/", alpha, events.ID)), chromedp.WaitVisible(chromedp.CSS("#main h1")))
	look(t, b, "add-type")
	b.Run(chromedp.Click(chromedp.CSS(`a[href$="/add/canopy.EventPage/"]`)), chromedp.WaitVisible(chromedp.CSS(".ProseMirror")))
	look(t, b, "editor-new")

	// Content: text, date-times, a snippet, an image, rich text, a document, an integer, a boolean, a page.
	b.Run(chromedp.SendKeys(chromedp.CSS("#id_title"), "Physics open day"),
		chromedp.SetValue(chromedp.CSS("#id_f_start"), "2027-03-06T10:00"),
		chromedp.SetValue(chromedp.CSS("#id_f_end"), "2027-03-06T16:00"))
	// Snippet chooser: search as you type, then choose.
	b.Run(chromedp.Click(chromedp.CSS(`button[data-chooser^="/admin/choose/snippet/location/"]`)))
	waitFor(t, b, `document.querySelector("#chooser[open] #snippet-q")`)
	look(t, b, "chooser-snippet")
	b.Run(chromedp.SendKeys(chromedp.CSS("#snippet-q"), "Semin"))
	waitFor(t, b, `document.querySelectorAll("#chooser [data-chooser-results] button[data-choose]").length === 1`)
	b.Run(chromedp.Click(chromedp.CSS(`#chooser [data-chooser-results] button[data-choose]`)))
	waitFor(t, b, `!document.querySelector("#chooser").open`)
	if got := b.Text("#id_f_location-chosen"); got != "Seminar Room" {
		t.Fatalf("location chosen: %q", got)
	}
	// Image chooser: thumbnails of this site's images.
	b.Run(chromedp.Click(chromedp.CSS(`button[data-chooser="/admin/choose/image/"]`)))
	waitFor(t, b, `document.querySelector("#chooser[open] .thumbs button[data-choose]")`)
	look(t, b, "chooser-image")
	if n := b.Count("#chooser .thumbs button[data-choose]"); n != 2 {
		t.Errorf("alpha's image chooser offers %d images, want alpha's 2", n)
	}
	b.Run(chromedp.Click(chromedp.CSS(`#chooser .thumbs button[data-choose]`)))
	waitFor(t, b, `!document.querySelector("#chooser").open && document.querySelector("#id_f_image").value !== ""`)
	// The focus goes back to the button that opened the chooser.
	waitFor(t, b, `document.activeElement.matches("#id_f_image-chosen ~ button[data-chooser]")`)

	// Rich text: typed text, a link to a page through the page chooser (Ctrl+K), an image.
	b.Run(chromedp.Click(chromedp.CSS(".ProseMirror")), chromedp.KeyEvent("Come and see our labs. Read "))
	ctrlKey(b, "k", "KeyK", 75)
	waitFor(t, b, `document.querySelector("#chooser[open] button[data-choose][data-title='About']")`)
	look(t, b, "chooser-link")
	b.Run(chromedp.Click(chromedp.CSS(`#chooser button[data-choose][data-title='About']`)))
	waitFor(t, b, `document.querySelector(".ProseMirror a[data-page-id]")`)
	b.Run(chromedp.Click(chromedp.CSS(`.rt-toolbar button[title="Insert an image"]`)))
	waitFor(t, b, `document.querySelector("#chooser[open] .thumbs button[data-choose]")`)
	b.Run(chromedp.Click(chromedp.CSS(`#chooser .thumbs button[data-choose]`)))
	waitFor(t, b, `document.querySelector(".ProseMirror img[data-image-id]")`)

	// Document chooser: upload from inside the chooser.
	doc := filepath.Join(t.TempDir(), "programme.txt")
	if err := os.WriteFile(doc, []byte("Programme of the open day\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	b.Run(chromedp.Click(chromedp.CSS(`button[data-chooser="/admin/choose/document/"]`)))
	waitFor(t, b, `document.querySelector("#chooser[open] #upload-file")`)
	b.Run(chromedp.Click(chromedp.CSS("#chooser details summary")), chromedp.SetUploadFiles(chromedp.CSS("#upload-file"), []string{doc}),
		chromedp.SendKeys(chromedp.CSS("#upload-title"), "Open day programme"), chromedp.Click(chromedp.CSS(`#chooser form[data-chooser-post] button[type=submit]`)))
	waitFor(t, b, `!document.querySelector("#chooser").open && document.querySelector("#id_f_attachment").value !== ""`)
	if got := b.Text("#id_f_attachment-chosen"); got != "Open day programme" {
		t.Fatalf("uploaded document chosen: %q", got)
	}
	b.Run(chromedp.SendKeys(chromedp.CSS("#id_f_capacity"), "40"), chromedp.Click(chromedp.CSS("#id_f_booking_required")))
	b.Run(chromedp.Click(chromedp.CSS(`button[data-chooser="/admin/choose/page/"]`)))
	waitFor(t, b, `document.querySelector("#chooser[open] button[data-choose][data-title='Contact']")`)
	b.Run(chromedp.Click(chromedp.CSS(`#chooser button[data-choose][data-title='Contact']`)))
	waitFor(t, b, `document.querySelector("#id_f_related").value !== ""`)
	// Promote tab.
	b.Run(chromedp.Click(chromedp.CSS(`[role=tab]:nth-child(2)`)), chromedp.WaitVisible(chromedp.CSS("#id_slug")))
	b.Run(chromedp.SendKeys(chromedp.CSS("#id_slug"), "open-day"), chromedp.SendKeys(chromedp.CSS("#id_search_description"), "Labs open to all."))
	look(t, b, "editor-promote")
	b.Run(chromedp.Click(chromedp.CSS(`[role=tab]:nth-child(1)`)), chromedp.WaitVisible(chromedp.CSS("#id_title")))
	look(t, b, "editor-filled")

	// Save a draft.
	b.Run(chromedp.Click(chromedp.CSS(`button[name=action][value=save]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	look(t, b, "editor-saved")
	p := d.page(d.alpha, "/events/open-day/")
	if p.Live {
		t.Fatal("a saved draft is live")
	}
	for k, want := range map[string]any{"capacity": float64(40), "booking_required": true} {
		if p.Fields[k] != want {
			t.Errorf("saved %s = %v, want %v", k, p.Fields[k], want)
		}
	}
	for _, k := range []string{"start", "end", "location", "image", "description", "attachment", "related"} {
		if p.Fields[k] == nil || p.Fields[k] == "" {
			t.Errorf("saved field %s is empty: %v", k, p.Fields)
		}
	}
	desc, _ := p.Fields["description"].(string)
	about := d.page(d.alpha, "/about/")
	if !strings.Contains(desc, fmt.Sprintf(`data-page-id="%d"`, about.ID)) || !strings.Contains(desc, "data-image-id=") || !strings.Contains(desc, "Come and see our labs.") {
		t.Errorf("saved rich text: %s", desc)
	}
	if code, _ := d.publicGet("alpha.localhost", "/events/open-day/"); code != 404 {
		t.Errorf("a draft is public: %d", code)
	}

	// Preview (in this tab): the site's theme, not public, noindex.
	b.Eval(`document.querySelectorAll("[formtarget]").forEach(b => b.removeAttribute("formtarget")), ""`)
	b.Run(chromedp.Click(chromedp.CSS(`button[formaction$="/preview/"]`)), chromedp.WaitVisible(chromedp.CSS("iframe.preview-frame")))
	look(t, b, "preview")
	src := b.Eval(`document.querySelector("iframe.preview-frame").src`)
	b.Run(chromedp.Navigate(src), chromedp.WaitVisible(chromedp.CSS("body")))
	if body := b.Eval("document.body.innerText"); !strings.Contains(body, "Physics open day") || !strings.Contains(body, "Come and see our labs") {
		t.Errorf("preview shows: %s", body)
	}

	// Publish and read it on the public site.
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/pages/%d/edit/", alpha, p.ID)), chromedp.WaitVisible(chromedp.CSS(`button[name=action][value=publish]`)),
		chromedp.Click(chromedp.CSS(`button[name=action][value=publish]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	code, body := d.publicGet("alpha.localhost", "/events/open-day/")
	if code != 200 || !strings.Contains(body, "Physics open day") || !strings.Contains(body, `href="/about/"`) ||
		!strings.Contains(body, "Seminar Room") || !strings.Contains(body, "Open day programme") {
		t.Fatalf("published page: %d\n%s", code, body)
	}
}

// TestBrowserModeration: an editor submits a news page; the moderator
// approves it from the dashboard, and it is live.
func TestBrowserModeration(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	page := d.page(d.alpha, "/news/new-telescope-installed/")
	login(b, alpha, "alpha-editor", d.password["alpha-editor"])
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/pages/%d/edit/", alpha, page.ID)), chromedp.WaitVisible(chromedp.CSS("#id_title")))
	if b.Count(`button[name=action][value=publish]`) != 0 {
		t.Error("the editor may not publish, yet sees Publish")
	}
	b.Run(chromedp.Clear(chromedp.CSS("#id_title")), chromedp.SendKeys(chromedp.CSS("#id_title"), "Our new telescope"),
		chromedp.Click(chromedp.CSS(`button[name=action][value=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	look(t, b, "editor-in-moderation")
	b.Run(chromedp.Click(chromedp.CSS(".topbar .dropdown summary")), chromedp.Click(chromedp.CSS(`form[action="/admin/logout/"] button`)),
		chromedp.WaitVisible(chromedp.CSS("#username")))

	login(b, alpha, "alpha-moderator", d.password["alpha-moderator"])
	waitFor(t, b, `document.querySelector("#reviews-h + ul .review-form")`)
	look(t, b, "dashboard-review")
	b.Run(chromedp.SendKeys(chromedp.CSS(fmt.Sprintf("#comment-%d", page.ID)), "Looks good"),
		chromedp.Click(chromedp.CSS(`.review-form button[value=approve]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	if msg := b.Text(".message.success"); !strings.Contains(msg, "published") {
		t.Errorf("after approval: %q", msg)
	}
	if code, body := d.publicGet("alpha.localhost", "/news/new-telescope-installed/"); code != 200 || !strings.Contains(body, "Our new telescope") {
		t.Errorf("approved page: %d", code)
	}
}

// TestBrowserConflict: a save over a newer revision shows both versions and
// overwrites nothing.
func TestBrowserConflict(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	about := d.page(d.alpha, "/about/")
	login(b, alpha, "alpha-admin", d.password["alpha-admin"])
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/pages/%d/edit/", alpha, about.ID)), chromedp.WaitVisible(chromedp.CSS("#id_title")))
	// Meanwhile, someone else saves.
	if _, err := d.svc.Pages(d.alpha.ID).SaveDraft(ctx, about.ID, service.PageInput{Title: "About us (theirs)", Fields: about.Fields}, 0, 0); err != nil {
		t.Fatal(err)
	}
	b.Run(chromedp.Clear(chromedp.CSS("#id_title")), chromedp.SendKeys(chromedp.CSS("#id_title"), "About (mine)"),
		chromedp.Click(chromedp.CSS(`button[name=action][value=save]`)), chromedp.WaitVisible(chromedp.CSS("table.diff")))
	look(t, b, "conflict")
	if h := b.Text("#main h1"); h != "Someone else saved this page" {
		t.Fatalf("conflict screen: %q", h)
	}
	if txt := b.Text("table.diff"); !strings.Contains(txt, "About us (theirs)") || !strings.Contains(txt, "mine") {
		t.Errorf("conflict shows: %s", txt)
	}
	// Compared by words: "theirs" and "mine" are whole, not letters.
	marks := b.Eval(`[...document.querySelectorAll("table.diff del, table.diff ins")].map((e) => e.tagName + ":" + e.textContent).join("|")`)
	if !regexp.MustCompile(`(DEL|INS):[^|]*\btheirs\b`).MatchString(marks) || !regexp.MustCompile(`(DEL|INS):[^|]*\bmine\b`).MatchString(marks) {
		t.Errorf("the conflict's changes are not whole words: %s", marks)
	}
	for _, m := range strings.Split(marks, "|") {
		if _, text, _ := strings.Cut(m, ":"); len(strings.TrimSpace(text)) == 1 {
			t.Errorf("a change of one letter: %q in %s", m, marks)
		}
	}
	if p := d.page(d.alpha, "/about/"); p.Title != "About" {
		t.Errorf("live title changed: %q", p.Title)
	}
	// Keep editing mine: the form has my title, and saving now replaces theirs.
	b.Run(chromedp.Click(chromedp.CSS("#keep-mine")), chromedp.WaitVisible(chromedp.CSS("#id_title")))
	// Once the editor has settled (its first field focused).
	waitFor(t, b, `document.readyState === "complete" && document.activeElement.id === "id_title"`)
	if v := browser.Get(b, chromedp.Value(chromedp.CSS("#id_title"))); v != "About (mine)" {
		t.Fatalf("restored title: %q", v)
	}
	b.Run(chromedp.Click(chromedp.CSS(`button[name=action][value=save]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
}
