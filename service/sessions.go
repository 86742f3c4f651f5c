package service

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"strings"
	"time"

	"github.com/canopy-cms/canopy"
)

// Sessions and API tokens: the client holds a random secret, the store keeps
// its SHA-256 only, and both are bound to the site they were made on.

// SessionTTL is how long a login session lasts.
const SessionTTL = 14 * 24 * time.Hour

func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

func randomSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// dummyHash makes a failed lookup cost as much as a wrong password.
var dummyHash = func() string {
	h, _ := HashPassword("not-a-real-password", 11)
	return h
}()

// ErrBadLogin is the one answer to a wrong password and to an unknown
// username: the two cannot be told apart, by message or by time.
var ErrBadLogin = canopy.Errorf(canopy.EUNAUTHENTICATED, "wrong username or password, or no account on this site")

// ErrInactive and ErrNoAccount answer a login whose password was right: only
// someone who knows the password learns that the account is inactive, or has
// no account on this site.
var (
	ErrInactive  = canopy.Errorf(canopy.EUNAUTHENTICATED, "this account is inactive; ask an administrator of the site to reactivate it")
	ErrNoAccount = canopy.Errorf(canopy.EUNAUTHENTICATED, "you have no account on this site; ask one of its administrators to add you")
)

// Login checks a username and password for site and returns the user acting
// there. A wrong password and an unknown user are ErrBadLogin and cost about
// the same time; with the right password, an inactive account is
// ErrInactive and one with no membership here ErrNoAccount.
func (s *Service) Login(ctx context.Context, site *canopy.Site, username, password string) (*Admin, error) {
	u, err := s.DB.UserByUsername(ctx, username)
	if err != nil {
		if canopy.ErrorCode(err) != canopy.ENOTFOUND {
			return nil, err
		}
		CheckPassword(&canopy.User{PasswordHash: dummyHash}, password)
		return nil, ErrBadLogin
	}
	if !CheckPassword(u, password) {
		return nil, ErrBadLogin
	}
	// ErrInactive or ErrNoAccount: the password was right.
	return s.AdminFor(ctx, site, u)
}

// StartSession records a new session of a's user on a's site and returns the
// secret for the cookie.
func (s *Service) StartSession(ctx context.Context, a *Admin, remote, userAgent string) (string, error) {
	secret := randomSecret()
	return secret, s.DB.Site(a.Site.ID, nil).CreateSession(ctx, a.User.ID, hashSecret(secret), SessionTTL, remote, userAgent)
}

// EndSession revokes the session with this secret (logging the logout).
func (s *Service) EndSession(ctx context.Context, secret string) error {
	return s.DB.DeleteSession(ctx, hashSecret(secret))
}

// SessionUser is the user of a live session made on site.
func (s *Service) SessionUser(ctx context.Context, site *canopy.Site, secret string) (*canopy.User, error) {
	return s.DB.Site(site.ID, nil).SessionUser(ctx, hashSecret(secret))
}

// TokenUser is the user of a valid API token made for site.
func (s *Service) TokenUser(ctx context.Context, site *canopy.Site, token string) (*canopy.User, error) {
	return s.DB.Site(site.ID, nil).TokenUser(ctx, hashSecret(token))
}

// SessionKey is the stored form of a session secret (what UpdateAccount keeps).
func SessionKey(secret string) string { return hashSecret(secret) }

// Tokens lists the caller's API tokens on this site.
func (a *Admin) Tokens(ctx context.Context) ([]*canopy.Token, error) {
	return a.pages.Tokens(ctx, a.User.ID)
}

// CreateToken makes an API token for the caller on this site, valid for
// expiresInDays (0: until revoked); the secret is returned once.
func (a *Admin) CreateToken(ctx context.Context, name string, expiresInDays int) (*canopy.Token, string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 {
		return nil, "", canopy.Errorf(canopy.EINVALID, "a token name of 1 to 100 characters is required")
	}
	if err := canopy.CheckText("the token name", name, 100); err != nil {
		return nil, "", err
	}
	if expiresInDays < 0 || expiresInDays > 3650 {
		return nil, "", canopy.Errorf(canopy.EINVALID, "expires_in_days must be between 0 (never) and 3650")
	}
	var exp *time.Time
	if expiresInDays > 0 {
		t := time.Now().UTC().Add(time.Duration(expiresInDays) * 24 * time.Hour)
		exp = &t
	}
	secret := "cnp_" + randomSecret()
	tok, err := a.pages.CreateToken(a.Ctx(ctx), a.User.ID, hashSecret(secret), name, exp)
	return tok, secret, err
}

// DeleteToken revokes one of the caller's tokens on this site.
func (a *Admin) DeleteToken(ctx context.Context, id int64) error {
	return a.pages.DeleteToken(a.Ctx(ctx), a.User.ID, id)
}

// Sessions lists the caller's live sessions on this site.
func (a *Admin) Sessions(ctx context.Context) ([]canopy.SessionInfo, error) {
	return a.pages.Sessions(ctx, a.User.ID)
}

// EndOtherSessions logs the caller out everywhere but the session keep (its
// stored hash, SessionKey): on every site, every browser.
func (a *Admin) EndOtherSessions(ctx context.Context, keep string) (int64, error) {
	return a.svc.DB.EndOtherSessions(a.Ctx(ctx), a.Site.ID, a.User.ID, keep)
}
