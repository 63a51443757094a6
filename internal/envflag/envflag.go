// Package envflag reads a command's flags from its command line and, for
// each flag left unset there, from the environment variable its usage
// names, as "(env CRM_ADDR)": both through the flag's own parser, so a
// bad value in either stops the start with its name and what it wants.
package envflag

import (
	"errors"
	"flag"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"
)

// envInUsage finds the environment variable a flag's usage names.
var envInUsage = regexp.MustCompile(`\(env ([A-Z][A-Z0-9_]*)\)`)

// badFlag finds the flag a flag-package parse error is about.
var badFlag = regexp.MustCompile(`^invalid (?:boolean )?value ".*" for flag -([^:]+): `)

// Parse parses args into fs, then gives each flag the command line left
// unset the value of its environment variable (read with getenv); a flag
// given wins, so a secret can stay out of the process list.
func Parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		if m := badFlag.FindStringSubmatch(err.Error()); m != nil {
			if f := fs.Lookup(m[1]); f != nil {
				if w := Want(f); w != "" {
					return fmt.Errorf("%w; want %s", err, w)
				}
			}
		}
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		name := Env(f)
		if name == "" || given[f.Name] {
			return
		}
		if v := getenv(name); v != "" {
			// The flag package's errors do not repeat the value, which may be
			// a secret.
			if err := f.Value.Set(v); err != nil {
				if w := Want(f); w != "" {
					err = fmt.Errorf("%v; want %s", err, w)
				}
				errs = append(errs, fmt.Errorf("environment %s (--%s): %v", name, f.Name, err))
			}
		}
	})
	return errors.Join(errs...)
}

// Env is the environment variable f's usage names, or "".
func Env(f *flag.Flag) string {
	if m := envInUsage.FindStringSubmatch(f.Usage); m != nil {
		return m[1]
	}
	return ""
}

// Want says what a flag of the standard kinds takes, for the messages that
// refuse a value: the flag package says only "parse error", and a bare
// number given for a duration is the usual slip.
func Want(f *flag.Flag) string {
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return ""
	}
	switch g.Get().(type) {
	case bool:
		return "true or false"
	case int, int64, uint, uint64:
		return "a whole number"
	case float64:
		return "a number"
	case time.Duration:
		return "a duration with its unit, such as 60s, 5m or 1h30m (a bare number has none)"
	}
	return ""
}

// Unread lists the variables of environ ("NAME=value" entries) that start
// with prefix but that no flag of fs names and that are not in also: most
// often a misspelt name, whose value would otherwise be ignored silently.
func Unread(fs *flag.FlagSet, environ []string, prefix string, also ...string) []string {
	read := map[string]bool{}
	for _, name := range also {
		read[name] = true
	}
	fs.VisitAll(func(f *flag.Flag) { read[Env(f)] = true })
	var out []string
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if strings.HasPrefix(name, prefix) && !read[name] {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
