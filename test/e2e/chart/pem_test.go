//go:build e2e

package chart

import "encoding/pem"

// pemDecode returns the bytes of the next CERTIFICATE block and the rest.
func pemDecode(data []byte) ([]byte, []byte) {
	for {
		block, rest := pem.Decode(data)
		if block == nil {
			return nil, nil
		}
		if block.Type == "CERTIFICATE" {
			return block.Bytes, rest
		}
		data = rest
	}
}
