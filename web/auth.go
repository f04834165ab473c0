package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/vernhq/vern"
)

// adminSecurity marks an operation as needing an admin token.
var adminSecurity = []map[string][]string{{"bearer": {}}}

type tokenKey struct{}

// authenticate lets operations without a security requirement through and
// checks the bearer token of all others. A request without a valid token
// gets 401 and no data.
func (s *Server) authenticate(ctx huma.Context, next func(huma.Context)) {
	op := ctx.Operation()
	if op == nil || len(op.Security) == 0 {
		// Public operations need no token and are rate-limited instead.
		if ok, wait := s.public.allow(clientAddr(ctx.RemoteAddr()), time.Now()); !ok {
			ctx.SetHeader("Retry-After", strconv.Itoa(int(wait/time.Second)+1))
			_ = huma.WriteErr(s.api, ctx, http.StatusTooManyRequests, "", vern.Errorf(vern.ERATELIMIT, "Too many requests; try again shortly."))
			return
		}
		next(ctx)
		return
	}
	h := ctx.Header("Authorization")
	secret, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="vern"`)
		_ = huma.WriteErr(s.api, ctx, http.StatusUnauthorized, "", vern.Errorf(vern.EUNAUTHORIZED, "A valid API token is required."))
		return
	}
	tok, err := s.Auth.Authenticate(ctx.Context(), strings.TrimSpace(secret))
	if vern.ErrorCode(err) == vern.EUNAUTHORIZED {
		ctx.SetHeader("WWW-Authenticate", `Bearer realm="vern", error="invalid_token"`)
		_ = huma.WriteErr(s.api, ctx, http.StatusUnauthorized, "", err)
		return
	} else if err != nil {
		// The store failed: that is our fault, not a bad token.
		_ = huma.WriteErr(s.api, ctx, http.StatusInternalServerError, "", err)
		return
	}
	if !tok.HasScope(vern.ScopeAdmin) {
		_ = huma.WriteErr(s.api, ctx, http.StatusForbidden, "", vern.Errorf(vern.EFORBIDDEN, "This token may not do that."))
		return
	}
	next(huma.WithValue(ctx, tokenKey{}, tok))
}

// actor returns the token that authenticated the request.
func actor(ctx context.Context) *vern.Token {
	t, _ := ctx.Value(tokenKey{}).(*vern.Token)
	return t
}

var notFound = vern.Errorf(vern.ENOTFOUND, "No such page or endpoint.")
