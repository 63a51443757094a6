// Package envflag reads a command's flags from its command line and, for
// each flag left unset there, from the environment variable its usage
// names, as "(env CRM_ADDR)": both through the flag's own parser, so a
// bad value in either stops the start with its name.
package envflag

import (
	"errors"
	"flag"
	"fmt"
	"regexp"
)

// envInUsage finds the environment variable a flag's usage names.
var envInUsage = regexp.MustCompile(`\(env ([A-Z][A-Z0-9_]*)\)`)

// Parse parses args into fs, then gives each flag the command line left
// unset the value of its environment variable (read with getenv); a flag
// given wins, so a secret can stay out of the process list.
func Parse(fs *flag.FlagSet, args []string, getenv func(string) string) error {
	if err := fs.Parse(args); err != nil {
		return err
	}
	given := map[string]bool{}
	fs.Visit(func(f *flag.Flag) { given[f.Name] = true })
	var errs []error
	fs.VisitAll(func(f *flag.Flag) {
		m := envInUsage.FindStringSubmatch(f.Usage)
		if m == nil || given[f.Name] {
			return
		}
		if v := getenv(m[1]); v != "" {
			// The flag package's errors do not repeat the value, which may be
			// a secret.
			if err := f.Value.Set(v); err != nil {
				errs = append(errs, fmt.Errorf("environment %s (--%s): %v", m[1], f.Name, err))
			}
		}
	})
	return errors.Join(errs...)
}
