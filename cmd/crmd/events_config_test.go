package main

import (
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

// TestWebhookSettings: the webhook guard and lease come from the flag,
// else the environment parsed the same way, else strict defaults; a bad
// value stops the start naming the variable or flag.
func TestWebhookSettings(t *testing.T) {
	type want struct {
		AllowPrivate bool
		CIDRs        []string
		Lease        time.Duration
		Err          string
	}
	for _, tc := range []struct {
		env  [3]string // private, cidrs, lease
		args []string
		want want
	}{
		{want: want{Lease: 3 * time.Second}},
		{env: [3]string{"true", "10.0.0.0/8, fd00::/8", "5s"},
			want: want{AllowPrivate: true, CIDRs: []string{"10.0.0.0/8", "fd00::/8"}, Lease: 5 * time.Second}},
		{env: [3]string{"true", "", ""}, args: []string{"--webhook-allow-private=false", "--webhook-lease", "2s"},
			want: want{Lease: 2 * time.Second}},
		{args: []string{"--webhook-allow-cidrs", "192.168.1.7/16"}, want: want{CIDRs: []string{"192.168.0.0/16"}, Lease: 3 * time.Second}},
		{env: [3]string{"yes please", "", ""}, want: want{Err: "CRM_WEBHOOK_ALLOW_PRIVATE"}},
		{env: [3]string{"", "10.0.0.0/8,nope", ""}, want: want{Err: "CRM_WEBHOOK_ALLOW_CIDRS"}},
		{env: [3]string{"", "", "soon"}, want: want{Err: "CRM_WEBHOOK_LEASE"}},
		{env: [3]string{"", "", "100ms"}, want: want{Err: "CRM_WEBHOOK_LEASE"}},
		{args: []string{"--webhook-allow-cidrs", "10.0.0.0"}, want: want{Err: "webhook-allow-cidrs"}},
	} {
		c, err := parseServe(tc.args, map[string]string{
			"CRM_WEBHOOK_ALLOW_PRIVATE": tc.env[0], "CRM_WEBHOOK_ALLOW_CIDRS": tc.env[1], "CRM_WEBHOOK_LEASE": tc.env[2]})
		var got want
		if err != nil {
			got.Err = err.Error()
			if !strings.Contains(got.Err, tc.want.Err) || tc.want.Err == "" {
				t.Errorf("env %q args %v: %v, want an error naming %q", tc.env, tc.args, err, tc.want.Err)
			}
			continue
		}
		got = want{AllowPrivate: c.events.webhookGuard.AllowPrivate, Lease: c.events.webhookLease}
		for _, p := range c.events.webhookGuard.AllowCIDRs {
			got.CIDRs = append(got.CIDRs, p.String())
		}
		if diff := cmp.Diff(tc.want, got); diff != "" {
			t.Errorf("env %q args %v (-want +got):\n%s", tc.env, tc.args, diff)
		}
	}
}

// TestNATSReplicas: the stream's replica count comes from the flag, else
// the environment, else 1; outside JetStream's 1 to 5 it stops the start
// naming the setting.
func TestNATSReplicas(t *testing.T) {
	for _, tc := range []struct {
		env, arg string
		want     int
		err      string
	}{
		{want: 1},
		{env: "3", want: 3},
		{env: "3", arg: "5", want: 5},
		{env: "0", err: "CRM_NATS_REPLICAS"},
		{arg: "6", err: "--nats-replicas"},
		{env: "three", err: "CRM_NATS_REPLICAS"},
	} {
		var args []string
		if tc.arg != "" {
			args = []string{"--nats-replicas", tc.arg}
		}
		c, err := parseServe(args, map[string]string{"CRM_NATS_REPLICAS": tc.env})
		switch {
		case tc.err != "":
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("env %q arg %q: %v, want an error naming %s", tc.env, tc.arg, err, tc.err)
			}
		case err != nil:
			t.Errorf("env %q arg %q: %v", tc.env, tc.arg, err)
		default:
			if diff := cmp.Diff(tc.want, c.events.natsReplicas); diff != "" {
				t.Errorf("env %q arg %q (-want +got):\n%s", tc.env, tc.arg, diff)
			}
		}
	}
}
