// Command crmhook is a webhook receiver to try the service's webhooks with:
// it verifies each delivery's X-CRM-Signature and prints one line per event
// (its type, id and whether the signature matched), then answers 204.
//
//	crmhook --addr 127.0.0.1:9099 --secret "$SECRET"
//
// A delivery whose signature does not match is answered 401, so the service
// retries it; --secret also comes from CRM_HOOK_SECRET.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/signal"
	"sync"
	"syscall"
	"time"

	"github.com/telcoops/crm/internal/envflag"
	"github.com/telcoops/crm/webhook"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "crmhook:", err)
		}
		os.Exit(2)
	}
}

// maxBody bounds one delivery; the service's events are far smaller.
const maxBody = 1 << 20

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("crmhook", flag.ContinueOnError)
	fs.SetOutput(stderr)
	addr := fs.String("addr", "127.0.0.1:9099", "listen address (env CRM_HOOK_ADDR)")
	secret := fs.String("secret", "", "the subscription's secret, as its create answer showed it (env CRM_HOOK_SECRET)")
	if err := envflag.Parse(fs, args, os.Getenv); err != nil {
		return err
	}
	if *secret == "" {
		return errors.New("--secret (or CRM_HOOK_SECRET) is required: the webhook's secret")
	}
	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	var mu sync.Mutex
	srv := &http.Server{ReadHeaderTimeout: 5 * time.Second, Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
		if err != nil || r.Method != http.MethodPost {
			http.Error(w, "want a POST", http.StatusBadRequest)
			return
		}
		verdict := "signature ok"
		status := http.StatusNoContent
		if err := webhook.Verify(*secret, r.Header.Get("X-CRM-Signature"), body, time.Now(), 5*time.Minute); err != nil {
			verdict, status = "REFUSED: "+err.Error(), http.StatusUnauthorized
		}
		mu.Lock()
		fmt.Fprintf(stdout, "%s %s %s\n", r.Header.Get("X-CRM-Event-Type"), r.Header.Get("X-CRM-Event-Id"), verdict)
		mu.Unlock()
		w.WriteHeader(status)
	})}
	fmt.Fprintf(stderr, "crmhook: listening on http://%s\n", ln.Addr())
	go func() {
		<-ctx.Done()
		shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		srv.Shutdown(shut)
	}()
	if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}
