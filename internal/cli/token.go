package cli

import (
	"context"
	"flag"
	"fmt"
	"time"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/webhooks/webhookstest"
)

// tokenOut is the JSON form of a workspace's Public API token.
type tokenOut struct {
	WorkspaceID string  `json:"workspace_id"`
	Token       string  `json:"token"`
	RotatedAt   rfc3339 `json:"rotated_at"`
}

func tokenCommand() *command {
	tokenLeaf := func(name, summary, help string, rotate bool) *command {
		return &command{
			name: name, summary: summary, args: "WORKSPACE_ID", help: help,
			setup: func(fs *flag.FlagSet) runFunc {
				return func(ctx context.Context, a *app, args []string) error {
					c, err := a.partnerArgs(args, "WORKSPACE_ID")
					if err != nil {
						return err
					}
					var t *tlpartner.PublicAPIToken
					if rotate {
						if err := a.confirm("Rotating kills the workspace's current Public API token at once"); err != nil {
							return err
						}
						t, err = c.RotatePublicAPIToken(ctx, args[0])
					} else {
						t, err = c.GetPublicAPIToken(ctx, args[0])
					}
					if err != nil {
						return err
					}
					fmt.Fprintf(a.env.Stderr, "warning: this is the Public API token of workspace %s, a credential: do not paste it into tickets or logs\n", t.WorkspaceID)
					out := tokenOut{WorkspaceID: t.WorkspaceID, Token: t.Token, RotatedAt: rfc3339(t.RotatedAt)}
					return a.emit(out, func(w *tw) { w.line(t.Token) })
				}
			},
		}
	}
	return &command{
		name:    "token",
		summary: "Public API tokens of workspaces, and partner JWTs for curl",
		subs: []*command{
			tokenLeaf("get", "print a workspace's Public API token", "Print the workspace's Public API token (created on first use) on standard output.", false),
			tokenLeaf("rotate", "replace a workspace's Public API token (destructive)", "Replace the workspace's Public API token and print the new one. The old token\nstops working at once. On a terminal the command asks first; otherwise it\nneeds --yes.", true),
			{
				name: "mint", summary: "print a signed partner JWT for curl",
				help: `Print a fresh partner JWT (HS256 over partner_id, nbf and exp) on standard
output, for calling the Partner API by hand:

  curl -H "Authorization: Bearer $(tlpartner token mint)" \
       -H "X-TL-Partner-Id: $TL_PARTNER_ID" "$TL_PARTNER_BASE_URL/workspaces/WS"

The token is a credential until it expires; a warning on stderr says so.`,
				setup: func(fs *flag.FlagSet) runFunc {
					life := fs.Duration("lifetime", webhookstest.DefaultLifetime, "validity either side of now (nbf = now-lifetime, exp = now+lifetime)")
					return func(ctx context.Context, a *app, args []string) error {
						if err := wantArgs(args); err != nil {
							return err
						}
						if *life <= 0 || *life > time.Hour {
							return usagef("--lifetime must be between 1s and 1h")
						}
						c, err := a.credentials()
						if err != nil {
							return err
						}
						now := time.Now()
						tok, err := webhookstest.Signer{PartnerID: c.partnerID, Secret: c.secret, Lifetime: *life, Now: func() time.Time { return now }}.Token()
						if err != nil {
							return err
						}
						exp := now.Add(*life).Truncate(time.Second)
						fmt.Fprintf(a.env.Stderr, "warning: this JWT is a credential for partner %s until %s: do not paste it into tickets or logs\n", c.partnerID, exp.UTC().Format(time.RFC3339))
						out := struct {
							Token     string  `json:"token"`
							PartnerID string  `json:"partner_id"`
							NotBefore rfc3339 `json:"not_before"`
							ExpiresAt rfc3339 `json:"expires_at"`
						}{tok, c.partnerID, rfc3339(now.Add(-*life).Truncate(time.Second)), rfc3339(exp)}
						return a.emit(out, func(w *tw) { w.line(tok) })
					}
				},
			},
		},
	}
}
