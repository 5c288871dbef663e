package harness

import (
	"encoding/json"
	"os"
	"testing"
)

// WriteJSON writes obj as JSON to a new file in the test's temporary directory, for kubectl or
// podpolicy to read, and returns its path.
func WriteJSON(t testing.TB, obj any) string {
	t.Helper()
	data, err := json.Marshal(obj)
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.CreateTemp(t.TempDir(), "*.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := f.Write(data); err != nil {
		t.Fatal(err)
	}
	return f.Name()
}
