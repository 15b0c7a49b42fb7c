package tlredis_test

// The token-cache fleet proof: 4 OS processes, each with its own
// tlpartner.PublicAPIPool over one shared tlredis.TokenCache, use the same
// 1,000 workspaces of the fake, then keep sending to 10 of them while the
// test rotates their tokens.

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/tlpartner/tlpartner-go"
	"github.com/tlpartner/tlpartner-go/publicapi"
	"github.com/tlpartner/tlpartner-go/tlpartnertest"
	"github.com/tlpartner/tlpartner-go/tlredis"
	"github.com/tlpartner/tlpartner-go/tlredis/internal/redistest"
)

const (
	poolProcesses  = 4
	poolWorkspaces = 1000
	poolGoroutines = 20
	poolHot        = 10 // workspaces sent to and rotated in phase 2
	poolSenders    = 4  // goroutines per process in phase 2
	poolSendFor    = 2500 * time.Millisecond
	// poolRaceAllowance is the documented number of extra fetches the
	// fleet may make in phase 1 beyond one per workspace: a process that
	// finds the lock of a workspace held waits for the token, and the lock
	// holder re-reads before fetching, so a duplicate needs a lock that
	// expired (15 s) mid-fetch. None is expected; the allowance is one per
	// process.
	poolRaceAllowance = poolProcesses

	rolePool      = "pool-worker"
	envPoolSecret = "TLREDIS_TEST_POOL_SECRET"
	envPoolProc   = "TLREDIS_TEST_POOL_PROC"
	envPoolID     = "TLREDIS_TEST_POOL_PARTNER"
	poolSecret    = "pool-fleet-partner-secret-0123456789"
)

func poolWS(i int) string { return fmt.Sprintf("fleet-%04d", i) }

// poolSend is one send a worker made.
type poolSend struct {
	WS   string `json:"ws"`
	UID  string `json:"uid"`
	Text string `json:"text"`
}

// poolReport is what a worker prints after each phase.
type poolReport struct {
	Calls    int        `json:"calls"`
	Errors   int        `json:"errors"`
	FirstErr string     `json:"first_err,omitempty"`
	Sends    []poolSend `json:"sends,omitempty"`
}

func (r *poolReport) fail(err error) {
	r.Errors++
	if r.FirstErr == "" {
		r.FirstErr = err.Error()
	}
}

// poolWorker is one process of the fleet. It talks on stdout ("ready",
// then one JSON report per phase) and waits for a line on stdin before
// each phase.
func poolWorker() int {
	proc, _ := strconv.Atoi(os.Getenv(envPoolProc))
	die := func(err error) int { fmt.Fprintln(os.Stderr, "pool worker:", err); return 2 }
	rdb := redis.NewClient(&redis.Options{Addr: os.Getenv(envRedis), DialTimeout: 3 * time.Second,
		ReadTimeout: 3 * time.Second, WriteTimeout: 3 * time.Second})
	defer rdb.Close()
	if err := rdb.Ping(context.Background()).Err(); err != nil {
		return die(err)
	}
	// A generous timeout: a slow answer on a loaded machine must not read
	// as an outage (which would fetch directly).
	cache, err := tlredis.NewTokenCache(rdb, []byte(os.Getenv(envPoolSecret)), tlredis.WithTimeout(3*time.Second))
	if err != nil {
		return die(err)
	}
	partner, err := tlpartner.NewClient(os.Getenv(envPoolID), os.Getenv(envPoolSecret),
		tlpartner.WithBaseURL(os.Getenv(envURL)), tlpartner.WithRetryPolicy(tlpartnertest.FastRetryPolicy()),
		tlpartner.WithUserAgent(fleetAgent(proc))) // lets the test count fetches per process
	if err != nil {
		return die(err)
	}
	pool, err := partner.PublicAPIPool(tlpartner.WithTokenCache(cache),
		tlpartner.WithPublicAPIOptions(publicapi.WithRetryPolicy(publicapi.RetryPolicy(tlpartnertest.FastRetryPolicy()))))
	if err != nil {
		return die(err)
	}
	defer pool.Close()
	in := bufio.NewScanner(os.Stdin)
	out := json.NewEncoder(os.Stdout)
	fmt.Println("ready")
	ctx := context.Background()

	// Phase 1: every workspace once, in this process's own random order,
	// by 20 goroutines.
	if !in.Scan() {
		return die(fmt.Errorf("no start line"))
	}
	order := rand.New(rand.NewPCG(uint64(proc), 1)).Perm(poolWorkspaces)
	var mu sync.Mutex
	var rep poolReport
	next := make(chan int)
	var wg sync.WaitGroup
	for range poolGoroutines {
		wg.Go(func() {
			for i := range next {
				ws := poolWS(i)
				pc, err := pool.Get(ctx, ws)
				if err == nil {
					var w *publicapi.Workspace
					if w, err = pc.GetWorkspace(ctx); err == nil && w.ID != ws {
						err = fmt.Errorf("client of %s reached %s", ws, w.ID)
					}
				}
				mu.Lock()
				rep.Calls++
				if err != nil {
					rep.fail(fmt.Errorf("%s: %w", ws, err))
				}
				mu.Unlock()
			}
		})
	}
	for _, i := range order {
		next <- i
	}
	close(next)
	wg.Wait()
	if err := out.Encode(rep); err != nil {
		return die(err)
	}

	// Phase 2: send to the hot workspaces while the test rotates them.
	if !in.Scan() {
		return die(fmt.Errorf("no phase-2 line"))
	}
	rep = poolReport{}
	stop := time.Now().Add(poolSendFor)
	for g := range poolSenders {
		wg.Go(func() {
			for n := 0; time.Now().Before(stop); n++ {
				ws := poolWS((g + n) % poolHot)
				text := fmt.Sprintf("p%d-g%d-n%d", proc, g, n)
				pc, err := pool.Get(ctx, ws)
				var uid string
				if err == nil {
					uid, err = pc.SendToPhone(ctx, "+14155550100", publicapi.SendParams{Text: publicapi.Ptr(text)})
				}
				mu.Lock()
				rep.Calls++
				if err != nil {
					rep.fail(fmt.Errorf("%s: %w", ws, err))
				} else {
					rep.Sends = append(rep.Sends, poolSend{WS: ws, UID: uid, Text: text})
				}
				mu.Unlock()
				time.Sleep(10 * time.Millisecond)
			}
		})
	}
	wg.Wait()
	if err := out.Encode(rep); err != nil {
		return die(err)
	}
	return 0
}

// fleetAgent is the User-Agent addition of worker proc's Partner client.
func fleetAgent(proc int) string { return fmt.Sprintf("fleet-proc-%d", proc) }

// fetchCount is the token fetches the fake saw, per workspace and per
// workspace and process.
type fetchCount struct {
	total  int
	perWS  map[string]int
	perWSP map[string]map[int]int
}

// countFetches counts the GET …/api-token requests the fake received.
func countFetches(srv *tlpartnertest.Server) fetchCount {
	c := fetchCount{perWS: map[string]int{}, perWSP: map[string]map[int]int{}}
	for _, r := range srv.Requests() {
		if r.Method != "GET" || !strings.HasSuffix(r.Path, "/api-token") {
			continue
		}
		parts := strings.Split(r.Path, "/")
		ws := parts[len(parts)-2]
		proc := -1
		for i := range poolProcesses {
			if strings.HasSuffix(r.Header.Get("User-Agent"), " "+fleetAgent(i)) {
				proc = i
			}
		}
		c.total++
		c.perWS[ws]++
		if c.perWSP[ws] == nil {
			c.perWSP[ws] = map[int]int{}
		}
		c.perWSP[ws][proc]++
	}
	return c
}

// TestPoolFleetSharesTokens: 4 processes over 1,000 workspaces fetch each
// token about once between them (not 4 times); rotating 10 workspaces
// while they send costs at most one fetch per process and rotated
// workspace, and every send is applied exactly once; Redis holds no token
// in clear text.
func TestPoolFleetSharesTokens(t *testing.T) {
	rsrv := redistest.Start(t)
	srv := tlpartnertest.New(t, tlpartnertest.Options{PartnerID: "fleet-partner", Secret: poolSecret,
		Logf: func(string, ...any) {}})
	partner, err := srv.Client()
	require.NoError(t, err)
	ctx := context.Background()

	// 1,000 workspaces; the hot ones get a connected WhatsApp account.
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	errs := make(chan error, poolWorkspaces)
	for i := range poolWorkspaces {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			w, err := partner.CreateWorkspace(ctx, tlpartner.CreateWorkspaceParams{DisplayName: poolWS(i), SeatsPurchased: 2})
			if err == nil && i < poolHot {
				var qr *tlpartner.QRCode
				if qr, err = partner.GenerateQR(ctx, w.ID, w.OwnerUserID, tlpartner.GenerateQRParams{}); err == nil {
					_, err = srv.SimulateScan(qr.URL, fmt.Sprintf("+1415555%04d", 2000+i))
				}
			}
			if err != nil {
				errs <- err
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	srv.ResetRequests()

	type proc struct {
		cmd    *exec.Cmd
		stdin  io.WriteCloser
		stdout *bufio.Scanner
		stderr bytes.Buffer
	}
	procs := make([]*proc, poolProcesses)
	for i := range procs {
		p := &proc{cmd: exec.Command(os.Args[0], "-test.run=^$")}
		p.cmd.Env = append(os.Environ(),
			envRole+"="+rolePool,
			envRedis+"="+rsrv.Addr,
			envURL+"="+srv.PartnerAPIURL(),
			envPoolID+"=fleet-partner",
			envPoolSecret+"="+poolSecret,
			envPoolProc+"="+strconv.Itoa(i),
		)
		p.cmd.Stderr = &p.stderr
		p.stdin, err = p.cmd.StdinPipe()
		require.NoError(t, err)
		out, err := p.cmd.StdoutPipe()
		require.NoError(t, err)
		p.stdout = bufio.NewScanner(out)
		p.stdout.Buffer(nil, 16<<20)
		require.NoError(t, p.cmd.Start())
		t.Cleanup(func() { _ = p.cmd.Process.Kill() })
		procs[i] = p
	}
	readLine := func(i int) string {
		p := procs[i]
		if !p.stdout.Scan() {
			_ = p.cmd.Process.Kill()
			_ = p.cmd.Wait()
			t.Fatalf("worker %d ended early: %s", i, p.stderr.String())
		}
		return p.stdout.Text()
	}
	readReport := func(i int) poolReport {
		var rep poolReport
		line := readLine(i)
		require.NoError(t, json.Unmarshal([]byte(line), &rep), "worker %d: %q", i, line)
		return rep
	}
	all := func(line string) {
		for _, p := range procs {
			_, err := fmt.Fprintln(p.stdin, line)
			require.NoError(t, err)
		}
	}
	for i := range procs {
		require.Equal(t, "ready", readLine(i), "worker %d", i)
	}

	// Phase 1.
	began := time.Now()
	all("start")
	calls := 0
	for i := range procs {
		rep := readReport(i)
		assert.Zero(t, rep.Errors, "worker %d: %s", i, rep.FirstErr)
		calls += rep.Calls
	}
	f1 := countFetches(srv)
	t.Logf("phase 1: %d processes × %d workspaces (%d Get+GetWorkspace) in %v: %d token fetches (%d workspaces fetched more than once)",
		poolProcesses, poolWorkspaces, calls, time.Since(began).Round(time.Millisecond), f1.total, countOver(f1.perWS, 1))
	assert.Equal(t, poolProcesses*poolWorkspaces, calls)
	assert.Len(t, f1.perWS, poolWorkspaces, "every workspace's token was fetched")
	assert.LessOrEqual(t, f1.total, poolWorkspaces+poolRaceAllowance, "token fetches for %d workspaces", poolWorkspaces)

	// Phase 2: the workers send to the hot workspaces; we rotate each one.
	var oldTokens []string
	for i := range poolHot {
		s, _ := srv.Workspace(poolWS(i))
		oldTokens = append(oldTokens, s.PublicAPIToken)
	}
	srv.ResetRequests()
	all("go")
	time.Sleep(500 * time.Millisecond)
	for i := range poolHot {
		_, err := partner.RotatePublicAPIToken(ctx, poolWS(i))
		require.NoError(t, err)
		time.Sleep(100 * time.Millisecond)
	}
	var sends []poolSend
	for i := range procs {
		rep := readReport(i)
		assert.Zero(t, rep.Errors, "worker %d: %s", i, rep.FirstErr)
		sends = append(sends, rep.Sends...)
		require.NoError(t, procs[i].cmd.Wait(), procs[i].stderr.String())
	}
	f2 := countFetches(srv)
	t.Logf("phase 2: %d sends to %d workspaces while rotating each once: %d token fetches, per workspace %v",
		len(sends), poolHot, f2.total, f2.perWS)
	for ws, procs := range f2.perWSP {
		for proc, n := range procs {
			assert.LessOrEqual(t, n, 1, "fetches of %s by process %d", ws, proc)
		}
	}
	assert.Len(t, f2.perWS, poolHot, "only rotated workspaces were fetched")

	// Every send reported once is in the workspace exactly once, and
	// nothing else was sent.
	byWS := map[string]map[string]int{}
	for _, s := range sends {
		if byWS[s.WS] == nil {
			byWS[s.WS] = map[string]int{}
		}
		byWS[s.WS][s.Text]++
	}
	var tokens []string
	for i := range poolWorkspaces {
		s, _ := srv.Workspace(poolWS(i))
		tokens = append(tokens, s.PublicAPIToken)
	}
	for i := range poolHot {
		ws := poolWS(i)
		pc, err := publicapi.NewClient(tokens[i], publicapi.WithBaseURL(srv.PublicAPIURL()))
		require.NoError(t, err)
		seen := map[string]int{}
		for chat, err := range pc.ListChats(ctx, publicapi.ListChatsParams{}) {
			require.NoError(t, err)
			for m, err := range pc.ListChatMessages(ctx, chat.ID, publicapi.ListChatMessagesParams{}) {
				require.NoError(t, err)
				seen[m.Text]++
			}
		}
		assert.Equal(t, byWS[ws], seen, "messages of %s", ws)
	}
	assert.NotEmpty(t, sends)

	// No token, current or rotated away, in clear text in Redis.
	keys, leaked := scanForTokens(t, rsrv.Addr, append(tokens, oldTokens...))
	assert.GreaterOrEqual(t, keys, poolWorkspaces)
	assert.Zero(t, leaked, "tokens in clear text in Redis")
}

func countOver(m map[string]int, n int) int {
	c := 0
	for _, v := range m {
		if v > n {
			c++
		}
	}
	return c
}
