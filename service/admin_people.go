package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/csv"
	"encoding/hex"
	"fmt"
	"io"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/canopy-cms/canopy"
	"github.com/canopy-cms/canopy/sqlstore"
)

// Permission is a model permission that groups can be granted.
type Permission struct {
	Codename string `json:"codename"`
	Label    string `json:"label"`
}

var (
	permMu      sync.RWMutex
	permissions = map[string]string{"access_admin": "Can access the admin"}
)

func init() {
	RegisterPermission("view_history", "View the site's history")
	for _, model := range []string{"group", "user", "location", "general", "redirect", "workflow"} {
		for _, verb := range []string{"add", "change", "delete", "view"} {
			RegisterPermission(verb+"_"+model, strings.ToUpper(verb[:1])+verb[1:]+" "+model)
		}
	}
}

// RegisterPermission makes a custom permission known, so that groups can be
// granted it; it appears with the others in group permission editing.
func RegisterPermission(codename, label string) {
	permMu.Lock()
	permissions[codename] = label
	permMu.Unlock()
}

// Permissions lists every known model permission, by codename.
func Permissions() []Permission {
	permMu.RLock()
	defer permMu.RUnlock()
	out := make([]Permission, 0, len(permissions))
	for c, l := range permissions {
		out = append(out, Permission{c, l})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Codename < out[j].Codename })
	return out
}

func knownPermission(c string) bool {
	permMu.RLock()
	defer permMu.RUnlock()
	_, ok := permissions[c]
	return ok
}

// requireAny passes if the user holds one of the model permissions.
func (a *Admin) requireAny(codenames ...string) error {
	for _, c := range codenames {
		if a.Check.User.HasModelPerm(c) {
			return nil
		}
	}
	return forbidden("you need the %s permission on this site", codenames[0])
}

// Groups lists this site's groups and the installation-wide ones.
func (a *Admin) Groups(ctx context.Context) ([]*canopy.Group, error) {
	if err := a.requireAny("view_group", "change_group", "add_group", "delete_group"); err != nil {
		return nil, err
	}
	return a.pages.Groups(ctx)
}

// GroupsPage lists one page of this site's groups and the installation-wide
// ones whose name contains q, with how many match.
func (a *Admin) GroupsPage(ctx context.Context, q string, limit, offset int) ([]*canopy.Group, int, error) {
	if err := a.requireAny("view_group", "change_group", "add_group", "delete_group"); err != nil {
		return nil, 0, err
	}
	return a.pages.GroupsPage(ctx, q, limit, offset)
}

// Group returns one group of this site (or an installation-wide one).
func (a *Admin) Group(ctx context.Context, id int64) (*canopy.Group, error) {
	if err := a.requireAny("view_group", "change_group", "add_group", "delete_group"); err != nil {
		return nil, err
	}
	return a.pages.Group(ctx, id)
}

// CreateGroup creates a group of this site; installation-wide groups are for
// superusers only.
func (a *Admin) CreateGroup(ctx context.Context, name string, installationWide bool) (*canopy.Group, error) {
	if err := a.requireAny("add_group"); err != nil {
		return nil, err
	}
	store := a.pages
	if installationWide {
		if !a.User.IsSuperuser {
			return nil, forbidden("only superusers may create installation-wide groups")
		}
		store = a.svc.DB.Installation()
	}
	return store.CreateGroup(a.Ctx(ctx), name)
}

// RenameGroup renames a group.
func (a *Admin) RenameGroup(ctx context.Context, id int64, name string) (*canopy.Group, error) {
	if err := a.requireAny("change_group"); err != nil {
		return nil, err
	}
	return a.pages.RenameGroup(a.Ctx(ctx), id, name)
}

// DeleteGroup deletes a group with its memberships and grants.
func (a *Admin) DeleteGroup(ctx context.Context, id int64) error {
	if err := a.requireAny("delete_group"); err != nil {
		return err
	}
	return a.pages.DeleteGroup(a.Ctx(ctx), id)
}

// GroupGrants returns a group's grants.
func (a *Admin) GroupGrants(ctx context.Context, id int64) (canopy.GroupGrants, error) {
	if err := a.requireAny("view_group", "change_group"); err != nil {
		return canopy.GroupGrants{}, err
	}
	return a.pages.GroupGrantsOf(ctx, id)
}

// SetGroupGrants replaces a group's grants. Pages must be of this site (for a
// site group); model permissions must be known.
func (a *Admin) SetGroupGrants(ctx context.Context, id int64, pages []canopy.PageGrantRow, models []string, collections []canopy.CollectionGrantRow) error {
	if err := a.requireAny("change_group"); err != nil {
		return err
	}
	for _, m := range models {
		if !knownPermission(m) {
			return canopy.Errorf(canopy.EINVALID, "unknown permission %q (GET /admin/api/permissions lists them)", m)
		}
	}
	return a.pages.SetGroupGrants(a.Ctx(ctx), id, pages, models, collections...)
}

// Members lists this site's members with their groups here.
func (a *Admin) Members(ctx context.Context, limit, offset int) ([]*canopy.Member, int, error) {
	if err := a.requireAny("view_user", "change_user", "add_user", "delete_user"); err != nil {
		return nil, 0, err
	}
	return a.pages.Members(ctx, limit, offset)
}

// Member returns one member of this site.
func (a *Admin) Member(ctx context.Context, id int64) (*canopy.Member, error) {
	if err := a.requireAny("view_user", "change_user", "add_user", "delete_user"); err != nil {
		return nil, err
	}
	return a.pages.Member(ctx, id)
}

// MemberInput is a user as the admin API writes it.
type MemberInput struct {
	Username     string
	Email        *string
	FirstName    *string
	LastName     *string
	Password     *string
	IsActive     *bool
	IsSuperuser  *bool
	IsSuperadmin *bool
	Groups       *[]int64
}

func (a *Admin) checkFlags(in *MemberInput) error {
	if (in.IsSuperuser != nil || in.IsSuperadmin != nil) && !a.User.IsSuperuser {
		return forbidden("only superusers may grant or revoke superuser and super admin")
	}
	if in.Email != nil {
		e := strings.TrimSpace(*in.Email)
		if e != "" && (!strings.Contains(e, "@") || strings.ContainsAny(e, " \t\r\n")) {
			return canopy.FieldErrorf("email", canopy.EINVALID, "%q is not a valid email address", e)
		}
		in.Email = &e
	}
	if in.Password != nil && (len(*in.Password) < 8 || len(*in.Password) > 72) {
		return canopy.FieldErrorf("password", canopy.EINVALID, "the password must be 8 to 72 characters long")
	}
	for _, f := range []struct {
		name string
		v    *string
	}{{"first_name", in.FirstName}, {"last_name", in.LastName}} {
		if f.v != nil {
			v := strings.TrimSpace(*f.v)
			if err := canopy.CheckText(f.name, v, 150); err != nil {
				return err
			}
			*f.v = v
		}
	}
	return nil
}

// CreateMember creates a site-local user of this site.
func (a *Admin) CreateMember(ctx context.Context, in MemberInput) (*canopy.Member, error) {
	if err := a.requireAny("add_user"); err != nil {
		return nil, err
	}
	if err := a.checkFlags(&in); err != nil {
		return nil, err
	}
	if in.Password == nil {
		return nil, canopy.Errorf(canopy.EINVALID, "password is required")
	}
	hash, err := HashPassword(*in.Password, a.svc.BcryptCost)
	if err != nil {
		return nil, err
	}
	u := &canopy.User{Username: in.Username, IsActive: true, PasswordHash: hash}
	if in.Email != nil {
		u.Email = strings.TrimSpace(*in.Email)
	}
	if in.FirstName != nil {
		u.FirstName = *in.FirstName
	}
	if in.LastName != nil {
		u.LastName = *in.LastName
	}
	if in.IsActive != nil {
		u.IsActive = *in.IsActive
	}
	if in.IsSuperuser != nil {
		u.IsSuperuser = *in.IsSuperuser
	}
	if in.IsSuperadmin != nil {
		u.IsSuperadmin = *in.IsSuperadmin
	}
	var groups []int64
	if in.Groups != nil {
		groups = *in.Groups
	}
	return a.pages.CreateMember(a.Ctx(ctx), u, groups)
}

// UpdateMember changes a member; their memberships on other sites are never
// touched. Who may change what (docs/security.md):
//   - roles on this site (groups): anyone with change_user here, for any
//     member but a superuser;
//   - identity fields (email, names, password, active state): a superuser, or
//     a site admin for an account local to this site that belongs to no other
//     site and is neither superuser nor super admin. Everyone else's identity
//     is changed by its owner on the account page (UpdateAccount).
func (a *Admin) UpdateMember(ctx context.Context, id int64, in MemberInput) (*canopy.Member, error) {
	if err := a.requireAny("change_user"); err != nil {
		return nil, err
	}
	m, err := a.pages.Member(ctx, id)
	if err != nil {
		return nil, err
	}
	if m.IsSuperuser && !a.User.IsSuperuser {
		return nil, forbidden("only superusers may edit a superuser")
	}
	if in.Username != "" && !strings.EqualFold(in.Username, m.Username) {
		return nil, canopy.Errorf(canopy.EINVALID, "usernames cannot be changed")
	}
	if err := a.checkFlags(&in); err != nil {
		return nil, err
	}
	upd := sqlstore.UserUpdate{Email: in.Email, FirstName: in.FirstName, LastName: in.LastName, IsActive: in.IsActive,
		IsSuperuser: in.IsSuperuser, IsSuperadmin: in.IsSuperadmin, Groups: in.Groups, SiteOwnedOnly: !a.User.IsSuperuser}
	if upd.SiteOwnedOnly && m.IsSuperadmin && (upd.Identity() || in.Password != nil) {
		return nil, forbidden("only superusers may change a super admin's account; you can change their roles on this site")
	}
	if in.Password != nil {
		h, err := HashPassword(*in.Password, a.svc.BcryptCost)
		if err != nil {
			return nil, err
		}
		upd.PasswordHash = &h
	}
	return a.pages.UpdateMember(a.Ctx(ctx), id, upd)
}

// AccountInput is a change to one's own account.
type AccountInput struct {
	// CurrentPassword is required to change the email or the password.
	CurrentPassword string
	Email           *string
	FirstName       *string
	LastName        *string
	Password        *string
}

// UpdateAccount changes the acting user's own account. A new password ends
// every other session and every API token of the account, on every site;
// keepSession (the hash of the session making the change) survives.
func (a *Admin) UpdateAccount(ctx context.Context, in AccountInput, keepSession string) (*canopy.User, error) {
	mi := MemberInput{Email: in.Email, Password: in.Password, FirstName: in.FirstName, LastName: in.LastName}
	if err := a.checkFlags(&mi); err != nil {
		return nil, err
	}
	if (in.Email != nil || in.Password != nil) && !CheckPassword(a.User, in.CurrentPassword) {
		return nil, canopy.FieldErrorf("current_password", canopy.EINVALID, "give your current password to change your email or password")
	}
	upd := sqlstore.UserUpdate{Email: mi.Email, FirstName: mi.FirstName, LastName: mi.LastName, KeepSession: keepSession}
	if in.Password != nil {
		h, err := HashPassword(*in.Password, a.svc.BcryptCost)
		if err != nil {
			return nil, err
		}
		upd.PasswordHash = &h
	}
	return a.pages.UpdateAccount(a.Ctx(ctx), a.User.ID, upd)
}

// RemoveMember takes a user off this site (deleting a site-local account).
func (a *Admin) RemoveMember(ctx context.Context, id int64) error {
	if err := a.requireAny("delete_user"); err != nil {
		return err
	}
	m, err := a.pages.Member(ctx, id)
	if err != nil {
		return err
	}
	if (m.IsSuperuser || m.IsSuperadmin) && !a.User.IsSuperuser {
		return forbidden("only superusers may remove a superuser or super admin; you can take away their roles on this site (PATCH with groups)")
	}
	if m.ID == a.User.ID {
		return canopy.Errorf(canopy.EINVALID, "you cannot remove yourself from the site; ask another admin")
	}
	return a.pages.RemoveMember(a.Ctx(ctx), id)
}

// AddExistingMember adds an existing user (by username or email) to this
// site's groups.
func (a *Admin) AddExistingMember(ctx context.Context, usernameOrEmail string, groups []int64) (*canopy.Member, error) {
	if err := a.requireAny("add_user"); err != nil {
		return nil, err
	}
	return a.pages.AddExistingMember(a.Ctx(ctx), usernameOrEmail, groups)
}

// History lists the site's log, newest first. Superusers also see
// installation-level actions, and with allSites every site's.
func (a *Admin) History(ctx context.Context, f canopy.HistoryFilter, allSites bool) ([]*canopy.LogEntry, int, error) {
	if err := a.requireAny("view_history"); err != nil {
		return nil, 0, err
	}
	f.SiteID = a.Site.ID
	if a.User.IsSuperuser {
		f.IncludeInstall = true
		f.AllSites = allSites
	} else if allSites {
		return nil, 0, forbidden("only superusers see every site's history")
	}
	return a.pages.History(ctx, f)
}

// HistoryUserID is the account a history filter names by its username
// (any case): -1 when there is none, which matches no entry. Whether the
// account exists elsewhere is not told apart from "no entries".
func (a *Admin) HistoryUserID(ctx context.Context, username string) (int64, error) {
	if err := a.requireAny("view_history"); err != nil {
		return 0, err
	}
	u, err := a.svc.DB.UserByUsername(ctx, strings.TrimSpace(username))
	if canopy.ErrorCode(err) == canopy.ENOTFOUND {
		return -1, nil
	}
	if err != nil {
		return 0, err
	}
	return u.ID, nil
}

// GroupMembers lists a group's members. A site group's members are seen by
// those who may view users here; an installation-wide group's (people of
// every site) by superusers only. q searches username, email and name; the
// list is paged in SQL (limit < 0: all) and total counts every match.
func (a *Admin) GroupMembers(ctx context.Context, groupID int64, q string, limit, offset int) ([]*canopy.User, int, error) {
	g, err := a.Group(ctx, groupID)
	if err != nil {
		return nil, 0, err
	}
	if g.SiteID == 0 && !a.User.IsSuperuser {
		return nil, 0, forbidden("only superusers see the members of an installation-wide group")
	}
	if err := a.requireAny("view_user", "change_user", "add_user", "delete_user"); err != nil {
		return nil, 0, err
	}
	return a.pages.GroupMembers(ctx, groupID, q, limit, offset)
}

// AddGroupMember puts an account (by username or email) in a group: an
// installation-wide group for superusers only; a site group as users/add does.
func (a *Admin) AddGroupMember(ctx context.Context, groupID int64, usernameOrEmail string) (*canopy.User, error) {
	g, err := a.Group(ctx, groupID)
	if err != nil {
		return nil, err
	}
	if g.SiteID != 0 {
		m, err := a.AddExistingMember(ctx, usernameOrEmail, []int64{g.ID})
		if err != nil {
			return nil, err
		}
		return m.User, nil
	}
	if !a.User.IsSuperuser {
		return nil, forbidden("only superusers manage the members of an installation-wide group")
	}
	if strings.TrimSpace(usernameOrEmail) == "" {
		return nil, canopy.Errorf(canopy.EINVALID, "give the user's username or email")
	}
	return a.svc.DB.AddGroupMemberByName(a.Ctx(ctx), g.ID, usernameOrEmail)
}

// RemoveGroupMember takes a user out of a group: an installation-wide group
// for superusers only; a site group as changing the user's roles here does.
func (a *Admin) RemoveGroupMember(ctx context.Context, groupID, userID int64) error {
	g, err := a.Group(ctx, groupID)
	if err != nil {
		return err
	}
	if g.SiteID == 0 {
		if !a.User.IsSuperuser {
			return forbidden("only superusers manage the members of an installation-wide group")
		}
		return a.svc.DB.RemoveGroupMember(a.Ctx(ctx), g.ID, userID)
	}
	m, err := a.Member(ctx, userID)
	if err != nil {
		return err
	}
	keep := []int64{}
	found := false
	for _, mg := range m.Groups {
		if mg.ID == g.ID {
			found = true
		} else {
			keep = append(keep, mg.ID)
		}
	}
	if !found {
		return canopy.Errorf(canopy.ENOTFOUND, "user %d is not a member of %s", userID, g.Name)
	}
	_, err = a.UpdateMember(ctx, userID, MemberInput{Groups: &keep})
	return err
}

// SetNavCollapsed remembers whether the caller keeps the admin's side
// navigation hidden.
func (a *Admin) SetNavCollapsed(ctx context.Context, collapsed bool) error {
	a.User.NavCollapsed = collapsed
	return a.svc.DB.SetNavCollapsed(ctx, a.User.ID, collapsed)
}

// SetKeyboardShortcuts turns the caller's keyboard shortcuts on or off.
func (a *Admin) SetKeyboardShortcuts(ctx context.Context, on bool) error {
	a.User.KeyboardShortcuts = on
	return a.svc.DB.SetKeyboardShortcuts(ctx, a.User.ID, on)
}

// FilterMembers lists this site's members that match the filter.
func (a *Admin) FilterMembers(ctx context.Context, f canopy.MemberFilter) ([]*canopy.Member, int, error) {
	if err := a.requireAny("view_user", "change_user", "add_user", "delete_user"); err != nil {
		return nil, 0, err
	}
	if f.GroupID != 0 {
		if _, err := a.pages.Group(ctx, f.GroupID); err != nil {
			return nil, 0, err
		}
	}
	return a.pages.FilterMembers(ctx, f)
}

// MinAccountSearch is the shortest query the add-a-person search answers.
const MinAccountSearch = 3

// FindAccounts finds active accounts to add to this site (add_user): by the
// start of the username, a part of the name, or the whole email address;
// the answer says whether each is a member here, never where else it is.
// A query shorter than MinAccountSearch finds nothing.
func (a *Admin) FindAccounts(ctx context.Context, q string) ([]canopy.AccountMatch, error) {
	if err := a.requireAny("add_user"); err != nil {
		return nil, err
	}
	if len([]rune(strings.TrimSpace(q))) < MinAccountSearch {
		return nil, canopy.FieldErrorf("q", canopy.EINVALID, "type at least %d characters of the username, the name or the whole email address", MinAccountSearch)
	}
	if len(q) > 200 {
		return nil, canopy.FieldErrorf("q", canopy.EINVALID, "the search is longer than 200 characters")
	}
	return a.pages.FindAccounts(ctx, q, 20)
}

// UserActions lists what the user may do with this site's members: view,
// add, change, delete (view whenever any of the others).
func (a *Admin) UserActions() []string { return a.modelActions("user") }

// modelActions lists the actions of view, add, change, delete the user holds
// on a model (view whenever any of the others).
func (a *Admin) modelActions(model string) []string {
	var out []string
	for _, act := range []string{"view", "add", "change", "delete"} {
		if a.Check.User.HasModelPerm(act + "_" + model) {
			out = append(out, act)
		}
	}
	if len(out) > 0 && out[0] != "view" {
		out = append([]string{"view"}, out...)
	}
	return out
}

// SiteGroups lists this site's own groups (not the installation-wide ones):
// the roles a site admin gives.
func (a *Admin) SiteGroups(ctx context.Context) ([]*canopy.Group, error) {
	all, err := a.Groups(ctx)
	if err != nil && !a.Check.User.HasModelPerm("view_user") && !a.Check.User.HasModelPerm("change_user") && !a.Check.User.HasModelPerm("add_user") {
		return nil, err
	}
	if err != nil {
		// Those who manage users but not groups still choose roles.
		if all, err = a.pages.Groups(ctx); err != nil {
			return nil, err
		}
	}
	return a.ownGroups(all), nil
}

// ownGroups keeps this site's own groups (not the installation-wide ones).
func (a *Admin) ownGroups(all []*canopy.Group) []*canopy.Group {
	var out []*canopy.Group
	for _, g := range all {
		if g.SiteID == a.Site.ID {
			out = append(out, g)
		}
	}
	return out
}

// InvitationDays is how long an invitation link works (Service.InvitationTTL
// changes it).
const InvitationDays = 7

// MailConfigured reports whether the installation sends e-mail (invitations
// need it).
func (s *Service) MailConfigured() bool { return s.DB.QueueMail }

// InviteMember creates an account of this site without a password and
// e-mails the person a single-use link, valid InvitationDays, to choose one
// (through the mail outbox, in the account's transaction). baseURL is the
// site's admin address the link starts with.
func (a *Admin) InviteMember(ctx context.Context, in MemberInput, baseURL string) (*canopy.Member, error) {
	if err := a.requireAny("add_user"); err != nil {
		return nil, err
	}
	if !a.svc.MailConfigured() {
		return nil, canopy.Errorf(canopy.EUNAVAILABLE, "this installation sends no e-mail: type a password for them instead")
	}
	if in.Password != nil {
		return nil, canopy.FieldErrorf("password", canopy.EINVALID, "an invited person chooses their own password")
	}
	if err := a.checkFlags(&in); err != nil {
		return nil, err
	}
	if in.Email == nil || *in.Email == "" {
		return nil, canopy.FieldErrorf("email", canopy.EINVALID, "an invitation needs the person's email address")
	}
	raw := make([]byte, 32)
	if _, err := rand.Read(raw); err != nil {
		return nil, err
	}
	token := base64.RawURLEncoding.EncodeToString(raw)
	sum := sha256.Sum256([]byte(token))
	ttl := a.svc.InvitationTTL
	if ttl == 0 {
		ttl = InvitationDays * 24 * time.Hour
	}
	expires := time.Now().Add(ttl)
	u := &canopy.User{Username: in.Username, Email: *in.Email, IsActive: true}
	if in.FirstName != nil {
		u.FirstName = *in.FirstName
	}
	if in.LastName != nil {
		u.LastName = *in.LastName
	}
	var groups []int64
	if in.Groups != nil {
		groups = *in.Groups
	}
	link := strings.TrimSuffix(baseURL, "/") + "/admin/invite/" + token + "/"
	body := fmt.Sprintf("Hello %s,\n\n%s has given you an account on %s (username: %s).\n\nChoose your password here; the link works once, until %s:\n\n%s\n\nIf you did not expect this, ignore this message.\n",
		strings.TrimSpace(u.FirstName+" "+u.LastName), a.User.Username, a.Site.Name, u.Username, expires.UTC().Format("2 January 2006, 15:04 UTC"), link)
	return a.pages.CreateMember(a.Ctx(ctx), u, groups, sqlstore.Invitation{TokenHash: hex.EncodeToString(sum[:]), ExpiresAt: expires,
		CreatedBy: a.User.ID, Subject: "Your account on " + a.Site.Name, Body: body})
}

// Invitation finds an invitation of a site by its token: whose account,
// until when; a used or expired one says so.
func (s *Service) Invitation(ctx context.Context, site *canopy.Site, token string) (*sqlstore.InvitationInfo, error) {
	sum := sha256.Sum256([]byte(token))
	inv, err := s.DB.Site(site.ID, nil).Invitation(ctx, hex.EncodeToString(sum[:]))
	if err != nil {
		return nil, err
	}
	if inv.Used {
		return inv, canopy.Errorf(canopy.ECONFLICT, "this invitation was used already: log in with the password you chose, or ask an administrator of the site for a new one")
	}
	if !time.Now().Before(inv.ExpiresAt) {
		return inv, canopy.Errorf(canopy.ECONFLICT, "this invitation expired on %s: ask an administrator of the site for a new one", inv.ExpiresAt.Format("2 January 2006"))
	}
	return inv, nil
}

// AcceptInvitation sets the invited account's password (8 to 72
// characters); the link works once.
func (s *Service) AcceptInvitation(ctx context.Context, site *canopy.Site, token, password string) (string, error) {
	if len(password) < 8 || len(password) > 72 {
		return "", canopy.FieldErrorf("password", canopy.EINVALID, "the password must be 8 to 72 characters long")
	}
	hash, err := HashPassword(password, s.BcryptCost)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256([]byte(token))
	return s.DB.Site(site.ID, nil).AcceptInvitation(ctx, hex.EncodeToString(sum[:]), hash)
}

// GroupActions lists what the user may do with this site's groups: view,
// add, change, delete.
func (a *Admin) GroupActions() []string { return a.modelActions("group") }

// GroupMemberCounts counts the members of each of this site's groups.
func (a *Admin) GroupMemberCounts(ctx context.Context) (map[int64]int, error) {
	if err := a.requireAny("view_group", "change_group", "add_group", "delete_group"); err != nil {
		return nil, err
	}
	return a.pages.GroupMemberCounts(ctx)
}

// Reports: a page report (locked, scheduled, aging) is read by those who
// may read the site's history; each row says whether the caller may unlock
// the page.
type ReportRow struct {
	canopy.ReportPage
	CanUnlock bool
}

// PageReport lists one page of a page report ("locked", "scheduled", or
// "aging": pages whose newest version is older than before).
func (a *Admin) PageReport(ctx context.Context, kind string, before time.Time, limit, offset int) ([]ReportRow, int, error) {
	if err := a.requireAny("view_history"); err != nil {
		return nil, 0, err
	}
	list, total, err := a.pages.PageReport(ctx, kind, before, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	out := make([]ReportRow, len(list))
	for i, r := range list {
		out[i] = ReportRow{ReportPage: r, CanUnlock: r.Page.Locked && a.Check.CanUnlock(a.pp(r.Page))}
	}
	return out, total, nil
}

// ReadsHistory says whether the user may read the site's history and reports.
func (a *Admin) ReadsHistory() bool { return a.Check.User.HasModelPerm("view_history") }

// ExportHistory writes the site's history entries matching f as CSV, newest
// first, a thousand at a time (each batch its own read, so a million entries
// stream without holding a transaction or the whole list), calling flush
// after each batch. Cells that a spreadsheet would run as a formula are
// quoted with a leading apostrophe.
func (a *Admin) ExportHistory(ctx context.Context, f canopy.HistoryFilter, w io.Writer, flush func()) error {
	if err := a.requireAny("view_history"); err != nil {
		return err
	}
	f.SiteID, f.AllSites, f.IncludeInstall = a.Site.ID, false, false
	f.Limit, f.Offset, f.AfterID, f.CountCap = 1000, 0, 0, -1
	cw := csv.NewWriter(w)
	if err := cw.Write([]string{"time", "user", "action", "object_type", "object_id", "object_title", "data"}); err != nil {
		return err
	}
	for {
		list, _, err := a.pages.History(ctx, f)
		if err != nil {
			return err
		}
		for _, e := range list {
			row := []string{e.CreatedAt.UTC().Format(time.RFC3339), e.Username, e.Action, e.ObjectType, e.ObjectID, e.ObjectTitle, string(e.Data)}
			for i, c := range row {
				if c != "" && strings.ContainsRune("=+-@\t\r", rune(c[0])) {
					row[i] = "'" + c
				}
			}
			if err := cw.Write(row); err != nil {
				return err
			}
		}
		cw.Flush()
		if err := cw.Error(); err != nil {
			return err
		}
		if flush != nil {
			flush()
		}
		if len(list) < f.Limit {
			return nil
		}
		f.BeforeID = list[len(list)-1].ID
	}
}

// BrokenLinks lists one page of the site's references to what is gone or to
// pages that are not live (the reference index): for history readers.
func (a *Admin) BrokenLinks(ctx context.Context, limit, offset int) ([]canopy.BrokenRef, int, error) {
	if err := a.requireAny("view_history"); err != nil {
		return nil, 0, err
	}
	return a.pages.BrokenRefs(ctx, limit, offset)
}
