package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"runtime"
	"sort"
	"strings"

	"github.com/tlpartner/tlpartner-go"
)

// Environment variables read by the command.
const (
	// EnvPartnerID holds the partner ID.
	EnvPartnerID = "TL_PARTNER_ID"
	// EnvPartnerSecret holds the Partner Secret.
	EnvPartnerSecret = "TL_PARTNER_SECRET"
	// EnvBaseURL holds the Partner API base URL; the quick start and the
	// fake use the same name.
	EnvBaseURL = "TL_PARTNER_BASE_URL"
	// EnvProfile names the profile to use when --profile is not given.
	EnvProfile = "TL_PARTNER_PROFILE"
)

// defaultProfile is the profile used when no other source of credentials
// is given.
const defaultProfile = "default"

// configFile is the on-disk form of the config file.
type configFile struct {
	Profiles map[string]*profile `json:"profiles"`
}

// profile is one set of credentials in the config file.
type profile struct {
	PartnerID     string `json:"partner_id"`
	PartnerSecret string `json:"partner_secret"`
	BaseURL       string `json:"base_url,omitempty"`
}

// creds are resolved credentials. They are never printed; String says
// where they came from.
type creds struct {
	partnerID string
	secret    string
	baseURL   string
	// baseURLFrom names where baseURL came from, as the user set it:
	// "--base-url", "$TL_PARTNER_BASE_URL" or "profile NAME"; empty for
	// the default (production).
	baseURLFrom string
	source      string // "environment" or "profile NAME (PATH)"
}

func (c creds) String() string { return fmt.Sprintf("partner %s from %s", c.partnerID, c.source) }

// configPath returns the config file's path: tlpartner/config.json under
// os.UserConfigDir.
func configPath() (string, error) {
	dir, err := os.UserConfigDir()
	if err != nil {
		return "", usagef("cannot locate the config directory: %v", err)
	}
	return filepath.Join(dir, "tlpartner", "config.json"), nil
}

// loadConfig reads the config file; a missing file gives an empty config
// and exists false. A file that group or others may read or write is
// refused.
func loadConfig() (cfg *configFile, path string, exists bool, err error) {
	path, err = configPath()
	if err != nil {
		return nil, "", false, err
	}
	cfg = &configFile{Profiles: map[string]*profile{}}
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return cfg, path, false, nil
	}
	if err != nil {
		return nil, path, false, usagef("config: %v", err)
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, path, false, usagef("config: %v", err)
	}
	if perm := st.Mode().Perm(); runtime.GOOS != "windows" && perm&0o077 != 0 {
		return nil, path, true, usagef("config file %s has mode %04o: others may read the Partner Secret in it; refusing to use it (run: chmod 600 %s)", path, perm, path)
	}
	if err := json.NewDecoder(f).Decode(cfg); err != nil {
		return nil, path, true, usagef("config file %s is not valid JSON: %v", path, err)
	}
	if cfg.Profiles == nil {
		cfg.Profiles = map[string]*profile{}
	}
	return cfg, path, true, nil
}

// saveConfig writes cfg with mode 0600 (the directory 0700), replacing the
// file atomically.
func saveConfig(cfg *configFile, path string) error {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	b, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		return err
	}
	tmp, err := os.CreateTemp(filepath.Dir(path), ".config-*.json")
	if err != nil {
		return err
	}
	defer os.Remove(tmp.Name())
	if err := tmp.Chmod(0o600); err != nil {
		tmp.Close()
		return err
	}
	if _, err := tmp.Write(append(b, '\n')); err != nil {
		tmp.Close()
		return err
	}
	if err := tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), path)
}

// credentials resolves the partner credentials:
//
//  1. --profile NAME (or $TL_PARTNER_PROFILE): that profile of the config
//     file;
//  2. otherwise $TL_PARTNER_ID and $TL_PARTNER_SECRET;
//  3. otherwise the "default" profile, when the config file exists.
//
// The base URL is --base-url, else $TL_PARTNER_BASE_URL, else the
// profile's, else production.
func (a *app) credentials() (creds, error) {
	var c creds
	name := a.g.profile
	if name == "" {
		name = a.env.Getenv(EnvProfile)
	}
	id, secret := a.env.Getenv(EnvPartnerID), a.env.Getenv(EnvPartnerSecret)
	switch {
	case name == "" && (id != "" || secret != ""):
		if id == "" || secret == "" {
			return c, usagef("set both %s and %s (or use a profile: tlpartner config set)", EnvPartnerID, EnvPartnerSecret)
		}
		c = creds{partnerID: id, secret: secret, source: "environment"}
	default:
		explicit := name != ""
		if !explicit {
			name = defaultProfile
		}
		cfg, path, exists, err := loadConfig()
		if err != nil {
			return c, err
		}
		p := cfg.Profiles[name]
		if p == nil {
			if !exists && !explicit {
				return c, usagef("no credentials: set %s and %s, or save a profile with 'tlpartner config set'", EnvPartnerID, EnvPartnerSecret)
			}
			return c, usagef("no profile %q in %s (see 'tlpartner config list')", name, path)
		}
		if p.PartnerID == "" || p.PartnerSecret == "" {
			return c, usagef("profile %q in %s lacks partner_id or partner_secret", name, path)
		}
		c = creds{partnerID: p.PartnerID, secret: p.PartnerSecret, baseURL: p.BaseURL, source: fmt.Sprintf("profile %q (%s)", name, path)}
		if p.BaseURL != "" {
			c.baseURLFrom = fmt.Sprintf("base_url of profile %q", name)
		}
	}
	if u := a.env.Getenv(EnvBaseURL); u != "" {
		c.baseURL, c.baseURLFrom = u, "$"+EnvBaseURL
	}
	if a.g.baseURL != "" {
		c.baseURL, c.baseURLFrom = a.g.baseURL, "--base-url"
	}
	a.base = c
	a.debugf("credentials: %s", c)
	return c, nil
}

// partnerClient returns a Partner API client for the resolved credentials.
func (a *app) partnerClient() (*tlpartner.Client, creds, error) {
	c, err := a.credentials()
	if err != nil {
		return nil, c, err
	}
	opts := []tlpartner.Option{tlpartner.WithUserAgent("tlpartner-cli")}
	if c.baseURL != "" {
		opts = append(opts, tlpartner.WithBaseURL(c.baseURL))
		a.debugf("base URL %s", c.baseURL)
	}
	if a.g.debug {
		opts = append(opts, tlpartner.WithLogger(a.logger()))
	}
	cl, err := tlpartner.NewClient(c.partnerID, c.secret, opts...)
	var verr *tlpartner.ValidationError
	if errors.As(err, &verr) && verr.Field == "WithBaseURL" {
		// Name the base URL as the user set it, not the SDK option.
		return nil, c, usagef("invalid %s: %s", c.baseURLFrom, verr.Reason)
	}
	if err != nil {
		return nil, c, err
	}
	return cl, c, nil
}

// partnerArgs checks a Partner API leaf's positional arguments against
// names and returns a Partner API client.
func (a *app) partnerArgs(args []string, names ...string) (*tlpartner.Client, error) {
	if err := wantArgs(args, names...); err != nil {
		return nil, err
	}
	c, _, err := a.partnerClient()
	return c, err
}

// logger is the --debug logger: text records on stderr.
func (a *app) logger() *slog.Logger {
	return slog.New(slog.NewTextHandler(a.env.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
}

// debugf prints a --debug line to stderr. Callers never pass secrets.
func (a *app) debugf(format string, args ...any) {
	if a.g.debug {
		fmt.Fprintf(a.env.Stderr, "debug: "+format+"\n", args...)
	}
}

// configCommand is "tlpartner config": profiles in the config file.
func configCommand() *command {
	return &command{
		name:    "config",
		summary: "manage credential profiles in the config file",
		help: `Manage credential profiles. The config file is tlpartner/config.json under
the user's config directory (os.UserConfigDir: $XDG_CONFIG_HOME or ~/.config on
Linux, ~/Library/Application Support on macOS, %AppData% on Windows). It is
written with mode 0600, and the command refuses to read it when group or others
may read or write it. Secrets are never taken from flags (they would end up in
the shell history): 'config set' reads the Partner Secret from a prompt without
echo on a terminal, or from the first line of standard input otherwise.`,
		subs: []*command{
			{
				name: "set", summary: "create or replace a profile", args: "",
				help: "Create or replace a profile. The Partner Secret is read from a prompt without echo\n(on a terminal) or from the first line of standard input:\n\n  printf '%s\\n' \"$SECRET\" | tlpartner config set --profile prod --partner-id my-partner",
				setup: func(fs *flag.FlagSet) runFunc {
					id := fs.String("partner-id", "", "partner ID (required)")
					return func(ctx context.Context, a *app, args []string) error {
						if err := wantArgs(args); err != nil {
							return err
						}
						return a.configSet(ctx, *id)
					}
				},
			},
			{
				name: "list", summary: "list the profiles (never their secrets)",
				setup: func(fs *flag.FlagSet) runFunc {
					return func(ctx context.Context, a *app, args []string) error {
						if err := wantArgs(args); err != nil {
							return err
						}
						return a.configList()
					}
				},
			},
			{
				name: "delete", summary: "delete a profile", args: "PROFILE",
				setup: func(fs *flag.FlagSet) runFunc {
					return func(ctx context.Context, a *app, args []string) error {
						if err := wantArgs(args, "PROFILE"); err != nil {
							return err
						}
						return a.configDelete(args[0])
					}
				},
			},
			{
				name: "path", summary: "print the config file's path",
				setup: func(fs *flag.FlagSet) runFunc {
					return func(ctx context.Context, a *app, args []string) error {
						if err := wantArgs(args); err != nil {
							return err
						}
						p, err := configPath()
						if err != nil {
							return err
						}
						return a.emit(struct {
							Path string `json:"path"`
						}{p}, func(w *tw) { w.line(p) })
					}
				},
			},
		},
	}
}

func (a *app) configSet(ctx context.Context, partnerID string) error {
	name := a.g.profile
	if name == "" {
		name = defaultProfile
	}
	if partnerID == "" {
		return usagef("--partner-id is required")
	}
	cfg, path, _, err := loadConfig()
	if err != nil {
		return err
	}
	var secret string
	if a.env.IsTerminal(a.env.Stdin) {
		secret, err = a.readSecret(ctx, "Partner Secret for "+partnerID+" (input hidden): ")
	} else {
		secret, err = readLine(a.env.Stdin)
	}
	if err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		return usagef("reading the Partner Secret: %v", err)
	}
	if secret = strings.TrimSpace(secret); secret == "" {
		return usagef("empty Partner Secret (pipe it on standard input or type it at the prompt)")
	}
	cfg.Profiles[name] = &profile{PartnerID: partnerID, PartnerSecret: secret, BaseURL: a.g.baseURL}
	if err := saveConfig(cfg, path); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return a.emit(profileOut{Name: name, PartnerID: partnerID, BaseURL: a.g.baseURL, Path: path}, func(w *tw) {
		w.line(fmt.Sprintf("saved profile %q (partner %s) in %s", name, partnerID, path))
	})
}

type profileOut struct {
	Name      string `json:"name"`
	PartnerID string `json:"partner_id"`
	BaseURL   string `json:"base_url"`
	Path      string `json:"path,omitempty"`
}

func (a *app) configList() error {
	cfg, path, _, err := loadConfig()
	if err != nil {
		return err
	}
	out := struct {
		Path     string       `json:"path"`
		Profiles []profileOut `json:"profiles"`
	}{Path: path, Profiles: []profileOut{}}
	for name, p := range cfg.Profiles {
		out.Profiles = append(out.Profiles, profileOut{Name: name, PartnerID: p.PartnerID, BaseURL: p.BaseURL})
	}
	sort.Slice(out.Profiles, func(i, j int) bool { return out.Profiles[i].Name < out.Profiles[j].Name })
	return a.emit(out, func(w *tw) {
		w.row("PROFILE", "PARTNER ID", "BASE URL")
		for _, p := range out.Profiles {
			w.row(p.Name, p.PartnerID, orDash(p.BaseURL))
		}
	})
}

func (a *app) configDelete(name string) error {
	cfg, path, _, err := loadConfig()
	if err != nil {
		return err
	}
	if cfg.Profiles[name] == nil {
		return usagef("no profile %q in %s", name, path)
	}
	delete(cfg.Profiles, name)
	if err := saveConfig(cfg, path); err != nil {
		return fmt.Errorf("config: %w", err)
	}
	return a.emit(profileOut{Name: name, Path: path}, func(w *tw) { w.line(fmt.Sprintf("deleted profile %q", name)) })
}
