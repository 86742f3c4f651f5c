package sqlstore

import (
	"go/ast"
	"go/parser"
	"go/token"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
)

// statement is one SQL statement written in the store's source.
type statement struct {
	pos  string // file:line
	fn   string // enclosing function
	text string // with Go expressions rendered as ?
}

// storeStatements reads every SQL statement in the package's non-test files:
// string literals and their concatenations that start like SQL.
func storeStatements(t *testing.T) []statement {
	t.Helper()
	files, _ := filepath.Glob("*.go")
	fset := token.NewFileSet()
	var out []statement
	sqlStart := regexp.MustCompile(`(?is)^\s*(SELECT|INSERT|UPDATE|DELETE|WITH)\b`)
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		src, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		af, err := parser.ParseFile(fset, f, src, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range af.Decls {
			fd, ok := d.(*ast.FuncDecl)
			if !ok {
				continue
			}
			name := fd.Name.Name
			if fd.Recv != nil && len(fd.Recv.List) == 1 {
				name = exprString(fd.Recv.List[0].Type) + "." + name
			}
			ast.Inspect(fd, func(n ast.Node) bool {
				e, ok := n.(ast.Expr)
				if !ok {
					return true
				}
				if _, isBin := e.(*ast.BinaryExpr); !isBin {
					if _, isLit := e.(*ast.BasicLit); !isLit {
						return true
					}
				}
				text, ok := render(e)
				if !ok || !sqlStart.MatchString(text) {
					return true
				}
				out = append(out, statement{pos: fset.Position(e.Pos()).String(), fn: name, text: text})
				return false // the whole concatenation is one statement
			})
		}
	}
	return out
}

func exprString(e ast.Expr) string {
	switch x := e.(type) {
	case *ast.StarExpr:
		return exprString(x.X)
	case *ast.Ident:
		return x.Name
	}
	return "?"
}

// render flattens a string expression: literals as written, a call's string
// arguments (s.own("site_id")), other operands as "?".
func render(e ast.Expr) (string, bool) {
	switch x := e.(type) {
	case *ast.BasicLit:
		if x.Kind != token.STRING {
			return "", false
		}
		s, err := strconv.Unquote(x.Value)
		return s, err == nil
	case *ast.BinaryExpr:
		if x.Op != token.ADD {
			return "", false
		}
		a, ok1 := render(x.X)
		b, ok2 := render(x.Y)
		return a + b, ok1 || ok2
	case *ast.CallExpr:
		var parts []string
		for _, arg := range x.Args {
			if s, ok := render(arg); ok {
				parts = append(parts, s)
			}
		}
		return " " + strings.Join(parts, " ") + " ", true
	case *ast.ParenExpr:
		return render(x.X)
	}
	return " ? ", true
}

var tableRef = regexp.MustCompile(`(?i)\b(?:FROM|JOIN|UPDATE|INTO)\s+([a-z_]+)`)

// unscoped lists the installation-level statements on tenant tables: each
// function named here touches a tenant table across sites on purpose. Every
// other statement on a tenant table must name site_id.
var unscoped = map[string]string{
	// Sites and their lifecycle act across sites by nature.
	"DB.DeleteSite":    "deletes one site's rows, table by table, by site_id (built in a loop)",
	"DB.Sites":         "lists sites",
	"DB.SitesByID":     "reads the site rows a change touched",
	"DB.SearchSites":   "lists one page of sites, each with its home page and root collection",
	"Tx.touchSite":     "a change to the shared media library bumps every site's version",
	"DB.ConvertDomain": "rewrites every site's hostname",
	// Users are identities across sites.
	"applyUserUpdate":     "a new password or a deactivation ends the account's sessions and tokens on every site",
	"SiteDB.RemoveMember": "a site-local account's last membership anywhere decides whether it is deleted",
	// Installation-wide groups belong to no site.
	"DB.AddGroupMemberByName":    "installation-wide group membership",
	"DB.RemoveGroupMember":       "installation-wide group membership",
	"DB.InstallationGroupByName": "installation-wide groups",
	"SiteDB.CreateSession":       "clears the user's expired sessions on every site as they log in",
	"DB.EndOtherSessions":        "log out everywhere else: the person's own sessions on every site",
	// Cross-site work queues, claimed row by row (decision 10).
	"DB.RunScheduled":    "the scheduler finds due pages of every site, then publishes each by id and site_id",
	"DB.ClaimMail":       "the mailer claims due mail of every site",
	"DB.MailOutboxDepth": "counts unsent mail of every site for metrics",
	"DB.MailSent":        "the mailer marks a claimed message (by id)",
	"DB.MailFailed":      "the mailer marks a claimed message (by id)",
	// The tree root and the home pages under it belong to no one site.
	"findPageByPath": "finds the global tree root (path 0001)",
	"homeSlug":       "home pages are siblings under the global root",
	// An installation-wide limit by definition (page types' max_count).
	"SiteDB.checkTypeCounts": "max_count counts in the installation; the per-site and per-parent counts name site_id",
	// WHERE clauses built from a filter whose first term is the site.
	"DB.history":          "the filter starts with site_id (or, for superusers asking for every site, with none)",
	"SiteDB.QueryPages":   "pageQuery.where starts with site_id",
	"SiteDB.ChildrenPage": "the condition starts with site_id",
	"SiteDB.SearchLatest": "the condition starts with site_id",
	"SiteDB.Snippets":     "the where clause starts with site_id",
	// The search index as a whole.
	"DB.SearchIndexEmpty": "whether the installation has any search document (an upgraded installation builds its index once)",
}

// TestEveryTenantStatementNamesItsSite reads every SQL statement in the store
// and fails for one on a tenant table (a table with site_id) that does not
// name site_id, unless its function is a listed installation-level exception.
func TestEveryTenantStatementNamesItsSite(t *testing.T) {
	tenant := map[string]bool{}
	for _, tb := range SiteTables {
		tenant[tb] = true
	}
	var bad []string
	insert := regexp.MustCompile(`(?is)^\s*INSERT\b`)
	where := regexp.MustCompile(`(?i)\bWHERE\b`)
	for _, st := range storeStatements(t) {
		// An INSERT names site_id among its columns; any other statement in
		// its WHERE clause (a site_id in the selected columns does not count).
		scope := st.text
		if !insert.MatchString(st.text) {
			if loc := where.FindStringIndex(st.text); loc != nil {
				scope = st.text[loc[0]:]
			} else {
				scope = ""
			}
		}
		if strings.Contains(scope, "site_id") {
			continue
		}
		for _, m := range tableRef.FindAllStringSubmatch(st.text, -1) {
			if tenant[strings.ToLower(m[1])] && unscoped[st.fn] == "" {
				bad = append(bad, st.pos+" ("+st.fn+", table "+m[1]+"): "+strings.Join(strings.Fields(st.text), " "))
				break
			}
		}
	}
	sort.Strings(bad)
	for _, b := range bad {
		t.Error("a statement on a tenant table without site_id: " + b)
	}
}
