# METADATA
# title: Stage label matches the runtime
# description: |
#   Compares the pod's stage label with the STAGE environment variable of the process that
#   evaluates it, through opa.runtime, which the compiled evaluator does not run: the policy set
#   runs on OPA's topdown.
# custom:
#   id: runtime-env
#   severity: low
#   remediation: set the stage label to the cluster's stage
package podpolicy.rules.runtime_env

# violation reports a stage label that differs from STAGE.
violation contains {"path": "metadata.labels.stage", "message": sprintf("stage %q is not %q", [stage, wanted])} if {
	stage := input.pod.metadata.labels.stage
	wanted := opa.runtime().env.STAGE
	stage != wanted
}
