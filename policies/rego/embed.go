// Package rego embeds podpolicy's Rego library: the rules (one package a folder, tests beside
// them), the helpers they share, the entry point and the default config. The engine, the
// config loader and the test runner all read it from here.
package rego

import "embed"

// FS holds the library's files under podpolicy/.
//
//go:embed all:podpolicy
var FS embed.FS

// Files of FS the config loader reads.
const (
	// DefaultConfigFile holds the default config, which a config file is merged over.
	DefaultConfigFile = "podpolicy/config/data.yaml"
	// PresetsFile holds the rule settings of each Pod Security Standards level.
	PresetsFile = "podpolicy/config/presets.yaml"
)
