package config

import (
	"slices"
	"strings"
)

// Identities name who may do something: users, groups, and service accounts as
// namespace/name.
type Identities struct {
	Users           []string `json:"users,omitempty"`
	Groups          []string `json:"groups,omitempty"`
	ServiceAccounts []string `json:"serviceAccounts,omitempty"`
}

// serviceAccountPrefix starts the username of a service account.
const serviceAccountPrefix = "system:serviceaccount:"

// Include reports whether a requester (its username and groups) is one of the identities.
func (ids Identities) Include(username string, groups []string) bool {
	if slices.Contains(ids.Users, username) {
		return true
	}
	for _, g := range groups {
		if slices.Contains(ids.Groups, g) {
			return true
		}
	}
	if sa, ok := strings.CutPrefix(username, serviceAccountPrefix); ok {
		namespace, name, _ := strings.Cut(sa, ":")
		return slices.Contains(ids.ServiceAccounts, namespace+"/"+name)
	}
	return false
}

// String lists the identities for a message: users a, b; groups c; service accounts d/e.
func (ids Identities) String() string {
	var parts []string
	for _, p := range []struct {
		what  string
		names []string
	}{{"users", ids.Users}, {"groups", ids.Groups}, {"service accounts", ids.ServiceAccounts}} {
		if len(p.names) > 0 {
			parts = append(parts, p.what+" "+strings.Join(p.names, ", "))
		}
	}
	if len(parts) == 0 {
		return "no one"
	}
	return strings.Join(parts, "; ")
}
