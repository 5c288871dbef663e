// Package doctor reads a live podpolicy installation and reports every misconfiguration that
// lets a request past podpolicy unchecked, lets a tenant take their namespace out of its
// reach, or turns into an outage: the webhook configurations (rules, failurePolicy, selectors,
// timeoutSeconds, caBundle), the guard of the guarded Namespace labels (its
// ValidatingAdmissionPolicy, binding and webhook), the serving certificate, the Deployment and
// its PodDisruptionBudget, and what the Pods' metrics say (the background audit, the
// evaluator, a config that fails to load). Each finding names its severity, the object and
// field, what is wrong in the installation's own values, and the fix.
//
// It reads through kubernetes.Interface only (the Pods' metrics through the API server's pod
// proxy), so its tests run on client-go's fake clientset.
package doctor
