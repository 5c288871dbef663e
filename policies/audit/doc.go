// Package audit judges what already runs in a cluster: it lists the workloads and Pods page by
// page, groups the Pods by their top owner through ownerReferences (a Pod of a ReplicaSet of a
// Deployment belongs to the Deployment), judges each top owner's pod template once with the
// same engine, config, exceptions, exemptions and namespace modes as admission, and judges each
// Pod too: a Pod whose verdict differs from its owner's template (a debug container added, a
// resize, a Pod of an older ReplicaSet), or that has no owner, contributes results of its own.
// The findings become one openreports.io Report per top owner (reports.go), written by
// Writer, or a check report for `podpolicy audit`.
package audit
