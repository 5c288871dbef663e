package library

// InputFields are the fields of the input document every rule reads, as the engine builds it
// for each pod template it judges (docs/input.md says what each holds).
var InputFields = []string{"kind", "operation", "namespace", "namespaceLabels", "name", "generateName", "runsToCompletion", "pod"}

// PodFields are the fields of input.pod: the Pod's, or a workload's pod template's.
var PodFields = []string{"metadata", "spec"}

// InputDoc is where the input is documented, for messages that send authors to it.
const InputDoc = "docs/input.md"
