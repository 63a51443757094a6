package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// chaosCluster is a cluster started by scripts/cluster.sh, driven by the
// chaos test through the script and the pid files it keeps.
type chaosCluster struct {
	t    *testing.T
	dir  string // the script's run directory
	base int    // its first port
	env  []string
	dsn  string
}

// startChaosCluster starts the script's cluster on ports from base, with
// crmd binary bin and a database of its own on the PostgreSQL at adminDSN,
// and stops it and drops the database when the test ends.
func startChaosCluster(t *testing.T, bin, adminDSN string, base int, extraEnv ...string) *chaosCluster {
	for port := base; port <= base+33; port++ {
		if ln, err := net.Listen("tcp", fmt.Sprintf("127.0.0.1:%d", port)); err != nil {
			t.Fatalf("port %d is taken (the chaos cluster uses %d-%d): %v", port, base, base+33, err)
		} else {
			ln.Close()
		}
	}
	db := fmt.Sprintf("crm_chaos_%d", time.Now().UnixNano())
	c := &chaosCluster{t: t, dir: t.TempDir(), base: base}
	c.env = append(os.Environ(), "CRM_CLUSTER_DIR="+c.dir, "CRM_CLUSTER_PORT="+strconv.Itoa(base),
		"CRM_CLUSTER_PG="+adminDSN, "CRM_CLUSTER_DB="+db, "CRM_CLUSTER_BIN="+bin)
	c.env = append(c.env, extraEnv...)
	q := ""
	if i := strings.Index(adminDSN, "?"); i >= 0 {
		q = adminDSN[i:]
	}
	root := strings.TrimSuffix(adminDSN, q)
	c.dsn = root[:strings.LastIndex(root, "/")+1] + db + q
	t.Cleanup(func() {
		if t.Failed() {
			for _, name := range []string{"crmd1", "crmd2", "crmd3"} {
				raw, _ := os.ReadFile(filepath.Join(c.dir, name+".log"))
				t.Logf("last lines of %s.log:\n%s", name, lastLines(string(raw), 15))
			}
		}
		c.script("clean")
	})
	c.script("start")
	return c
}

// script runs scripts/cluster.sh with the cluster's settings and fails the
// test if it fails.
func (c *chaosCluster) script(args ...string) string {
	cmd := exec.Command("../../scripts/cluster.sh", args...)
	cmd.Env = c.env
	out, err := cmd.CombinedOutput()
	if err != nil {
		c.t.Fatalf("cluster.sh %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// cli runs a crmd command on the cluster's database and returns its output.
func (c *chaosCluster) cli(bin string, args ...string) string {
	cmd := exec.Command(bin, args...)
	// The cluster's key is its file, not the CRM_KEK TestMain sets.
	env := slices.DeleteFunc(os.Environ(), func(kv string) bool { return strings.HasPrefix(kv, "CRM_KEK=") })
	cmd.Env = append(env, "CRM_DATABASE_URL="+c.dsn, "CRM_KEK_FILE="+filepath.Join(c.dir, "kek"))
	out, err := cmd.Output()
	if err != nil {
		c.t.Fatalf("crmd %s: %v", strings.Join(args, " "), err)
	}
	return string(out)
}

func (c *chaosCluster) lb() string           { return fmt.Sprintf("http://127.0.0.1:%d", c.base) }
func (c *chaosCluster) crmd(i int) string    { return fmt.Sprintf("http://127.0.0.1:%d", c.base+i) }
func (c *chaosCluster) natsURL(i int) string { return fmt.Sprintf("nats://127.0.0.1:%d", c.base+10+i) }

// kill sends SIGKILL to the named process of the cluster (crmd1, nats2...)
// and waits until it is gone.
func (c *chaosCluster) kill(name string) {
	raw, err := os.ReadFile(filepath.Join(c.dir, name+".pid"))
	if err != nil {
		c.t.Fatalf("pid of %s: %v", name, err)
	}
	pid, _ := strconv.Atoi(strings.TrimSpace(string(raw)))
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		c.t.Fatalf("kill %s (pid %d): %v", name, pid, err)
	}
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		// Gone, or a zombie that nobody reaps in a container without init.
		stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
		if err != nil || bytes.Contains(stat, []byte(") Z ")) {
			return
		}
	}
	c.t.Fatalf("%s (pid %d) survived SIGKILL", name, pid)
}

// gauge reads a metric's value from instance i's /metrics; ok is false
// when the instance does not answer.
func (c *chaosCluster) gauge(i int, series string) (float64, bool) {
	ctx, cancel := context.WithTimeout(context.Background(), time.Second)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, "GET", c.crmd(i)+"/metrics", nil)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		return 0, false
	}
	defer res.Body.Close()
	sc := bufio.NewScanner(io.LimitReader(res.Body, 8<<20))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			return f, err == nil
		}
	}
	return 0, false
}

// waitSince polls cond every 50 ms until it holds or limit passes, and
// returns how long it took since from.
func waitSince(t *testing.T, from time.Time, limit time.Duration, what string, cond func() bool) time.Duration {
	for time.Since(from) < limit {
		if cond() {
			return time.Since(from)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Errorf("%s: not within %v", what, limit)
	return limit
}

func lastLines(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	return strings.Join(lines[max(0, len(lines)-n):], "\n")
}
