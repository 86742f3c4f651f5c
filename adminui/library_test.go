package adminui_test

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"hash/crc32"
	"image"
	"image/color"
	"image/png"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/internal/browser"
	"github.com/canopy-cms/canopy/service"
	"github.com/canopy-cms/canopy/sqlstore"
)

// pngOf is a w×h PNG: a left half of one colour, a right half of another,
// so that crops around different focal points differ.
func pngOf(t testing.TB, w, h int, left, right color.Color) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, w, h))
	for y := 0; y < h; y++ {
		for x := 0; x < w; x++ {
			c := left
			if x >= w/2 {
				c = right
			}
			img.Set(x, y, c)
		}
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

// hugePNG is a PNG whose header claims w×h pixels (the pixel data is a
// 1×1 image's): what a decompression bomb looks like to the size check.
func hugePNG(t testing.TB, w, h uint32) []byte {
	b := pngOf(t, 2, 1, color.White, color.Black)
	// IHDR: 8-byte signature, length, "IHDR", width, height, …, CRC.
	binary.BigEndian.PutUint32(b[16:], w)
	binary.BigEndian.PutUint32(b[20:], h)
	binary.BigEndian.PutUint32(b[29:], crc32.ChecksumIEEE(b[12:29]))
	return b
}

// multipart posts files (name, content) with form fields, the CSRF token
// of the last page read first, as a browser without script sends them.
func (c *client) multipart(path string, fields [][2]string, files [][2]string) (int, string) {
	c.t.Helper()
	var body bytes.Buffer
	w := multipart.NewWriter(&body)
	_ = w.WriteField("csrf", c.csrf)
	for _, f := range fields {
		_ = w.WriteField(f[0], f[1])
	}
	for _, f := range files {
		part, _ := w.CreateFormFile("file", f[0])
		_, _ = io.WriteString(part, f[1])
	}
	w.Close()
	req, _ := http.NewRequest("POST", c.d.url+path, &body)
	req.Host = c.host + ":" + c.d.port
	req.Header.Set("Content-Type", w.FormDataContentType())
	req.Header.Set("Origin", "http://"+req.Host)
	u, _ := url.Parse("http://" + c.host + path)
	for _, ck := range c.jar.Cookies(u) {
		req.AddCookie(ck)
	}
	cl := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	res, err := cl.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res.StatusCode, string(b)
}

// TestImageLibraryScreens: a site admin uploads two images and a bad file
// at once (the two arrive, the bad one is named with its reason), sets a
// focal point and sees the crop change, replaces the file of an image a
// page shows (the page shows the new file), sees where it is used, tags
// two images at once, deletes one after seeing its usage; beta's admin
// gets 404 for every address of alpha's images.
func TestImageLibraryScreens(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-admin", d.password["alpha-admin"])
	b.Run(chromedp.Navigate(alpha + "/admin/"))
	waitFor(t, b, `document.querySelector("#sidenav a[href='/admin/images/']") && document.querySelector("#sidenav a[href='/admin/documents/']")`)
	b.Run(chromedp.Navigate(alpha + "/admin/images/"))
	waitFor(t, b, `document.querySelector(".lib-grid")`)
	if n := b.Count(".lib-card"); n != 2 { // the demo's banner and logo
		t.Errorf("%d images listed", n)
	}
	look(t, b, "images")

	// Upload: two good files and a text file named .png, chosen at once.
	dir := t.TempDir()
	files := map[string][]byte{"harbour.png": pngOf(t, 400, 300, color.NRGBA{200, 0, 0, 255}, color.NRGBA{0, 0, 200, 255}),
		"quay.png": pngOf(t, 300, 300, color.White, color.Black), "notes.png": []byte("these are my notes, not a picture")}
	var paths []string
	for name, data := range files {
		p := filepath.Join(dir, name)
		if err := os.WriteFile(p, data, 0o600); err != nil {
			t.Fatal(err)
		}
		paths = append(paths, p)
	}
	b.Run(chromedp.Click(chromedp.CSS(`a[href="/admin/images/add/"]`)))
	waitFor(t, b, `document.querySelector("#id_files")`)
	b.Eval(`document.querySelector("#id_tags").value = "harbour, summer", ""`)
	waitFor(t, b, `document.querySelector("[data-upload-submit]").hidden`) // the script is ready
	b.Run(chromedp.SetUploadFiles(chromedp.CSS("#id_files"), paths))
	waitFor(t, b, `/2 of 3 uploaded, 1 could not be/.test(document.querySelector("[data-upload-summary]").textContent) && !/still/.test(document.querySelector("[data-upload-summary]").textContent)`)
	failed := b.Text(".upload-item.failed")
	if !strings.Contains(failed, "notes.png") || !strings.Contains(failed, "Not uploaded") || !strings.Contains(strings.ToLower(failed), "image") {
		t.Errorf("the bad file's line: %q", failed)
	}
	if n := b.Count(".upload-item.done a[href^='/admin/images/']"); n != 2 {
		t.Errorf("%d uploaded files link to their edit screen", n)
	}
	look(t, b, "images-upload")
	store := d.svc.DB.Site(d.alpha.ID, d.svc.Types)
	ims, total, err := store.Images(ctx, canopy.MediaFilter{All: true, Q: "harbour", Limit: 10})
	if err != nil || total != 1 || strings.Join(ims[0].Tags, ",") != "harbour,summer" {
		t.Fatalf("the harbour image: %d %v %v", total, ims, err)
	}
	harbour := ims[0]

	// A page shows it; the edit screen says so.
	su, _ := d.svc.DB.UserByUsername(ctx, "admin")
	root, err := d.svc.AdminFor(ctx, d.alpha, su)
	if err != nil {
		t.Fatal(err)
	}
	home, _ := store.Home(ctx)
	pg, err := root.CreateChild(ctx, home.ID, service.PageInput{Type: canopy.StandardType, Title: "Harbour day", Fields: map[string]any{"image": harbour.ID}}, true)
	if err != nil {
		t.Fatal(err)
	}
	edit := fmt.Sprintf("%s/admin/images/%d/", alpha, harbour.ID)
	b.Run(chromedp.Navigate(edit))
	waitFor(t, b, `document.querySelector("#id_focal_x") && document.querySelector("[data-focal-box]")`)
	if !strings.Contains(b.Text("#usage-heading + ul"), "Harbour day") {
		t.Errorf("used on: %q", b.Text("#usage-heading + ul"))
	}
	look(t, b, "image-edit")
	before := b.Eval(`document.querySelector("[data-crop-preview]").getAttribute("src")`)
	// The focal point, typed (the keyboard way): the right half.
	for id, v := range map[string]string{"#id_focal_x": "220", "#id_focal_y": "50", "#id_focal_w": "160", "#id_focal_h": "200"} {
		b.Run(chromedp.SetValue(chromedp.CSS(id), ""), chromedp.SendKeys(chromedp.CSS(id), v))
	}
	if b.Eval(`String(document.querySelector("[data-focal-box]").hidden)`) != "false" {
		t.Error("the focal box is not drawn from the typed values")
	}
	// Arrow keys on the box move it.
	b.Run(chromedp.Focus(chromedp.CSS("[data-focal-box]")), chromedp.KeyEvent(kb.ArrowLeft))
	if x := b.Eval(`document.querySelector("#id_focal_x").value`); x == "220" {
		t.Error("ArrowLeft did not move the focal area")
	}
	b.Eval(`document.querySelector("#id_alt_text").value = "Red boats on the left, the blue sea on the right", ""`)
	b.Run(chromedp.Click(chromedp.CSS(`#edit-form button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	after := b.Eval(`document.querySelector("[data-crop-preview]").getAttribute("src")`)
	if after == before {
		t.Error("the crop's address did not change with the focal point")
	}
	waitFor(t, b, `[...document.querySelectorAll("[data-crop-preview]")].every(i => i.complete && i.naturalWidth > 0)`)
	im, _ := store.Image(ctx, harbour.ID)
	if im.Focal == nil || im.Focal.W != 160 || im.AltText == "" {
		t.Errorf("saved: focal %+v, alt %q", im.Focal, im.AltText)
	}
	// Bad focal input: the message beside the fieldset, nothing saved.
	b.Eval(`document.querySelector("#id_focal_w").value = "-4", document.querySelector("#id_title").value = "Lost", ""`)
	b.Run(chromedp.Click(chromedp.CSS(`#edit-form button[type=submit]`)))
	waitFor(t, b, `document.querySelector("#focal-error")`)
	settled(t, b)
	if im2, _ := store.Image(ctx, harbour.ID); im2.Title == "Lost" {
		t.Error("a refused edit was half-saved")
	}

	// Replace the file: the page shows the new one, at a new address.
	c := d.login("alpha.localhost", "alpha-admin")
	c.get(fmt.Sprintf("/admin/images/%d/", harbour.ID))
	_, oldPage := d.publicGet("alpha.localhost", pg.URLPath)
	bigger := string(pngOf(t, 800, 500, color.NRGBA{0, 150, 0, 255}, color.NRGBA{250, 250, 0, 255}))
	status, body := c.multipart(fmt.Sprintf("/admin/images/%d/file/", harbour.ID), nil, [][2]string{{"harbour-2.png", bigger}})
	if status != 303 {
		t.Fatalf("replace: %d %s", status, excerpt(body, "error"))
	}
	_, newPage := d.publicGet("alpha.localhost", pg.URLPath)
	img := regexp.MustCompile(`<figure><img src="([^"]+)" width="(\d+)"`)
	o, n := img.FindStringSubmatch(oldPage), img.FindStringSubmatch(newPage)
	if o == nil || n == nil || o[1] == n[1] {
		t.Fatalf("the page's image did not change: %v → %v", o, n)
	}
	if status, _ := d.publicGet("alpha.localhost", n[1]); status != 200 {
		t.Errorf("the new rendition: %d", status)
	}
	// A bad replacement: the reason beside the file field, the old file kept.
	status, body = c.multipart(fmt.Sprintf("/admin/images/%d/file/", harbour.ID), nil, [][2]string{{"evil.png", "<svg onload=alert(1)>"}})
	if status != 400 || !strings.Contains(body, `id="id_file-error"`) {
		t.Errorf("a bad replacement: %d", status)
	}
	if im3, _ := store.Image(ctx, harbour.ID); im3.Width != 800 {
		t.Errorf("after a refused replacement the image is %d wide", im3.Width)
	}

	// Bulk: tag two images at once from the list view.
	b.Run(chromedp.Navigate(alpha + "/admin/images/?view=list&ordering=title"))
	waitFor(t, b, `document.querySelector("table.listing")`)
	if b.Eval(`String(document.querySelector("button[name=action][value=tag]").disabled)`) != "true" {
		t.Error("bulk buttons are usable with nothing selected")
	}
	b.Run(chromedp.Click(chromedp.CSS(`table.listing tbody tr:nth-child(1) input[name=id]`)),
		chromedp.Click(chromedp.CSS(`table.listing tbody tr:nth-child(2) input[name=id]`)))
	waitFor(t, b, `/2 selected/.test(document.querySelector("[data-bulk-count]").textContent)`)
	look(t, b, "images-list")
	b.Run(chromedp.Click(chromedp.CSS(`button[name=action][value=tag]`)))
	waitFor(t, b, `document.querySelector("#id_tags") && location.pathname === "/admin/images/bulk/"`)
	look(t, b, "images-bulk")
	b.Run(chromedp.SendKeys(chromedp.CSS("#id_tags"), "press"), chromedp.Click(chromedp.CSS(`form.form button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	if got := b.Text(".message.success"); !strings.Contains(got, "2 images tagged") {
		t.Errorf("after tagging: %q", got)
	}
	tagged, n2, _ := store.Images(ctx, canopy.MediaFilter{All: true, Tags: []string{"press"}, Limit: 10})
	if n2 != 2 || len(tagged) != 2 {
		t.Errorf("%d images tagged press", n2)
	}
	// Filter by the tag.
	b.Run(chromedp.Navigate(alpha + "/admin/images/?tag=press"))
	waitFor(t, b, `document.querySelector(".lib-grid")`)
	if n := b.Count(".lib-card"); n != 2 {
		t.Errorf("the tag filter shows %d", n)
	}

	// Delete shows the usage first.
	if status, body := c.get(fmt.Sprintf("/admin/images/%d/delete/", harbour.ID)); status != 200 {
		t.Fatalf("delete screen: %d %s", status, excerpt(body, "error"))
	}
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/images/%d/delete/", alpha, harbour.ID)))
	waitFor(t, b, `document.querySelector("button.danger")`)
	if !strings.Contains(b.Text("main"), "Harbour day") {
		t.Error("the delete screen does not show where it is used")
	}
	look(t, b, "image-delete")
	b.Run(chromedp.Navigate(fmt.Sprintf("%s/admin/images/%d/usage/", alpha, harbour.ID)))
	waitFor(t, b, `document.querySelector("table.listing td.title a")`)
	look(t, b, "image-usage")

	// Beta's admin: every address of alpha's image is 404, and nothing changes.
	bc := d.login("beta.localhost", "beta-admin")
	id := harbour.ID
	for _, p := range []string{"/admin/images/%d/", "/admin/images/%d/usage/", "/admin/images/%d/delete/", "/admin/images/bulk/?action=delete&id=%d"} {
		if status, _ := bc.get(fmt.Sprintf(p, id)); status != 404 {
			t.Errorf("beta GET %s: %d", fmt.Sprintf(p, id), status)
		}
	}
	for _, p := range []string{"/admin/images/%d/", "/admin/images/%d/delete/"} {
		if status, _, _ := bc.post(fmt.Sprintf(p, id), url.Values{"title": {"Pwned"}}); status != 404 {
			t.Errorf("beta POST %s: %d", fmt.Sprintf(p, id), status)
		}
	}
	if status, _, _ := bc.post("/admin/images/bulk/", url.Values{"action": {"delete"}, "id": {fmt.Sprint(id)}}); status != 404 {
		t.Errorf("beta bulk delete of alpha's image: %d", status)
	}
	if status, _ := bc.multipart(fmt.Sprintf("/admin/images/%d/file/", id), nil, [][2]string{{"x.png", bigger}}); status != 404 {
		t.Errorf("beta replacing alpha's file: %d", status)
	}
	if _, body := bc.get("/admin/images/?q=harbour"); strings.Contains(body, fmt.Sprintf(`/admin/images/%d/`, id)) || strings.Contains(body, `lib-title">harbour`) {
		t.Error("beta's listing shows alpha's image")
	}
	if im4, err := store.Image(ctx, id); err != nil || im4.Title != "harbour" {
		t.Errorf("alpha's image after beta's attempts: %+v %v", im4, err)
	}
}

// TestLibraryWithoutScript: the upload form posts every file at once
// without script and answers with each file's result; an editor without
// collection grants sees no Images or Documents entry and no upload button,
// and a POST is refused; documents upload, list and download.
func TestLibraryWithoutScript(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	c := d.login("alpha.localhost", "alpha-admin")
	c.get("/admin/documents/add/")
	status, body := c.multipart("/admin/documents/add/", [][2]string{{"tags", "minutes"}}, [][2]string{
		{"minutes.txt", "Minutes of the meeting."}, {"empty.pdf", ""}, {"report.pdf", "%PDF-1.4 a report"}, {"fake.pdf", "not a pdf at all"},
		{"report.pdf", "%PDF-1.4 another report, same name"}})
	if status != 400 {
		t.Errorf("a form with bad files: %d", status)
	}
	for _, want := range []string{"minutes.txt", "report.pdf", "The file is empty", "fake.pdf"} {
		if !strings.Contains(body, want) {
			t.Errorf("the results lack %q", want)
		}
	}
	if n := strings.Count(body, `class="upload-item done"`); n != 3 {
		t.Errorf("%d files arrived (two of them with the same name)", n)
	}
	docs, n, _ := d.svc.DB.Site(d.alpha.ID, d.svc.Types).Documents(ctx, canopy.MediaFilter{All: true, Q: "report", Limit: 10})
	if n != 2 || docs[0].FileKey == docs[1].FileKey {
		t.Errorf("two files named report.pdf: %d documents", n)
	}
	_, list := c.get("/admin/documents/")
	if !strings.Contains(list, "report") || !strings.Contains(list, "PDF") || !strings.Contains(list, `download`) {
		t.Error("the documents listing lacks the report, its type or its download link")
	}
	// Images: a 56-megapixel one and an SVG with a script are refused by name, the good one goes in.
	c.get("/admin/images/add/")
	status, body = c.multipart("/admin/images/add/", nil, [][2]string{{"bomb.png", string(hugePNG(t, 8000, 7000))},
		{"evil.svg", `<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>`}, {"fine.png", string(pngOf(t, 20, 10, color.White, color.Black))}})
	if status != 400 || strings.Count(body, `class="upload-item done"`) != 1 || !strings.Contains(body, "megapixel") && !strings.Contains(body, "pixels") {
		t.Errorf("bomb and SVG: %d %s", status, excerpt(body, "bomb.png"))
	}
	if !strings.Contains(excerpt(body, "evil.svg"), "Not uploaded") {
		t.Errorf("the SVG: %s", excerpt(body, "evil.svg"))
	}
	// A CSRF-less upload is refused.
	c.csrf = "wrong"
	if status, _ := c.multipart("/admin/documents/add/", nil, [][2]string{{"x.txt", "x"}}); status != 403 {
		t.Errorf("an upload without the form's token: %d", status)
	}

	// An editor whose group lost its collection grants.
	su, _ := d.svc.DB.UserByUsername(ctx, "admin")
	a, err := d.svc.AdminFor(ctx, d.alpha, su)
	if err != nil {
		t.Fatal(err)
	}
	groups, _ := a.Groups(ctx)
	for _, g := range groups {
		if g.Name == "Editors" {
			grants, _ := a.GroupGrants(ctx, g.ID)
			if err := a.SetGroupGrants(ctx, g.ID, grants.Pages, grants.Models, nil); err != nil {
				t.Fatal(err)
			}
		}
	}
	ed := d.login("alpha.localhost", "alpha-editor")
	_, home := ed.get("/admin/")
	if strings.Contains(home, `href="/admin/images/"`) || strings.Contains(home, `href="/admin/documents/"`) {
		t.Error("the editor without collection grants is offered the library")
	}
	for _, p := range []string{"/admin/images/", "/admin/images/add/", "/admin/documents/add/"} {
		if status, body := ed.get(p); status != 403 || strings.Contains(body, "Upload") && strings.Contains(body, `type="file"`) {
			t.Errorf("editor GET %s: %d", p, status)
		}
	}
	if status, _ := ed.multipart("/admin/images/add/", nil, [][2]string{{"q.png", string(pngOf(t, 10, 10, color.White, color.Black))}}); status != 403 {
		t.Errorf("editor upload POST: %d", status)
	}
	if n, _, _ := d.svc.DB.Site(d.alpha.ID, d.svc.Types).Images(ctx, canopy.MediaFilter{All: true, Q: "q", Limit: 1}); len(n) != 0 {
		t.Error("the refused upload stored an image")
	}
}

// TestDocumentScreens: the documents listing, upload and edit screens in a
// browser (accessibility and screenshots), a document uploaded through the
// script's per-file upload, then its title changed.
func TestDocumentScreens(t *testing.T) {
	d := newDemo(t, sqlstore.SQLite)
	b := browser.New(t)
	alpha := d.site("alpha.localhost")
	login(b, alpha, "alpha-admin", d.password["alpha-admin"])
	b.Run(chromedp.Navigate(alpha + "/admin/documents/add/"))
	waitFor(t, b, `document.querySelector("[data-upload-submit]").hidden`)
	p := filepath.Join(t.TempDir(), "timetable.pdf")
	if err := os.WriteFile(p, []byte("%PDF-1.4 the timetable"), 0o600); err != nil {
		t.Fatal(err)
	}
	b.Run(chromedp.SetUploadFiles(chromedp.CSS("#id_files"), []string{p}))
	waitFor(t, b, `/1 of 1 uploaded/.test(document.querySelector("[data-upload-summary]").textContent)`)
	look(t, b, "documents-upload")
	b.Run(chromedp.Navigate(alpha + "/admin/documents/"))
	waitFor(t, b, `document.querySelector("table.listing")`)
	if !strings.Contains(b.Text("table.listing"), "timetable") || !strings.Contains(b.Text("table.listing"), "PDF") {
		t.Errorf("the listing: %q", b.Text("table.listing"))
	}
	look(t, b, "documents")
	b.Run(chromedp.Click(chromedp.CSS("table.listing td.title a[href^='/admin/documents/']")))
	waitFor(t, b, `document.querySelector("#id_title")`)
	look(t, b, "document-edit")
	b.Eval(`document.querySelector("#id_title").value = "Spring timetable", ""`)
	b.Run(chromedp.Click(chromedp.CSS(`#edit-form button[type=submit]`)))
	waitFor(t, b, `document.querySelector(".message.success")`)
	if got := b.Text("main h1"); got != "Spring timetable" {
		t.Errorf("after saving: %q", got)
	}
}
