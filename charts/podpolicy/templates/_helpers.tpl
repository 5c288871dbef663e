{{/*
The chart name, or nameOverride.
*/}}
{{- define "podpolicy.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
The fully qualified name of the release's objects (63 characters at most, the DNS label limit).
It is also the name of the Service, of both webhook configurations and of the cert-manager
Certificate, and the prefix of every other object.
*/}}
{{- define "podpolicy.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Chart name and version, for the helm.sh/chart label.
*/}}
{{- define "podpolicy.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Labels of every object.
*/}}
{{- define "podpolicy.labels" -}}
helm.sh/chart: {{ include "podpolicy.chart" . }}
{{ include "podpolicy.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: podpolicy
{{- end }}

{{/*
Selector labels of the webhook pods (also used by the Service, the PDB, the ServiceMonitor and the
pod anti-affinity).
*/}}
{{- define "podpolicy.selectorLabels" -}}
app.kubernetes.io/name: {{ include "podpolicy.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/*
The ServiceAccount the webhook pods run as.
*/}}
{{- define "podpolicy.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "podpolicy.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
podpolicy's image, run by the webhook Deployment and the pre-delete cleanup Job: repository:tag, the tag defaulting to the chart's appVersion. A tag given as a
digest (sha256:...) is joined with "@" instead.
*/}}
{{- define "podpolicy.image" -}}
{{- $tag := .Values.image.tag | default .Chart.AppVersion | toString }}
{{- if hasPrefix "sha256:" $tag }}
{{- printf "%s@%s" .Values.image.repository $tag }}
{{- else }}
{{- printf "%s:%s" .Values.image.repository $tag }}
{{- end }}
{{- end }}

{{/*
Name of the Secret holding the webhook's serving certificate (both TLS modes).
*/}}
{{- define "podpolicy.tlsSecretName" -}}
{{- printf "%s-tls" (include "podpolicy.fullname" .) }}
{{- end }}

{{/*
Name of the Lease the replica that audits holds.
*/}}
{{- define "podpolicy.auditLeaseName" -}}
{{- printf "%s-audit" (include "podpolicy.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Namespaces neither webhook intercepts, as a YAML list; the audit skips them too, so that it
reports only what admission judges.
*/}}
{{- define "podpolicy.excludedNamespaces" -}}
{{- concat (list "kube-system" .Release.Namespace) .Values.webhook.excludedNamespaces | uniq | toYaml }}
{{- end }}

{{/*
Name of the objects of the pre-delete cleanup hook.
*/}}
{{- define "podpolicy.cleanupName" -}}
{{- printf "%s-cleanup" (include "podpolicy.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Namespace selector shared by both webhooks: kube-system and the release namespace are never
intercepted (matched on the kubernetes.io/metadata.name label, which the API server sets and
nobody can forge), nor the namespaces of webhook.excludedNamespaces.
*/}}
{{- define "podpolicy.namespaceSelector" -}}
{{- $excluded := include "podpolicy.excludedNamespaces" . | fromYamlArray -}}
matchExpressions:
  - key: kubernetes.io/metadata.name
    operator: NotIn
    values:
      {{- toYaml $excluded | nindent 6 }}
  {{- with .Values.webhook.namespaceSelector.matchExpressions }}
  {{- toYaml . | nindent 2 }}
  {{- end }}
{{- end }}

{{/*
The caBundle of the webhook named .webhook in the live webhook configuration of kind .kind (named
<fullname>), or "". Used so an
upgrade never blanks the CA that podpolicy (self-managed TLS) or cainjector (cert-manager) put
there. `helm template` has no cluster, so it renders no caBundle.
Call with (dict "ctx" $ "kind" "ValidatingWebhookConfiguration" "webhook" "validate.podpolicy.io").
*/}}
{{- define "podpolicy.existingCABundle" -}}
{{- $live := lookup "admissionregistration.k8s.io/v1" .kind "" (include "podpolicy.fullname" .ctx) }}
{{- range (get $live "webhooks" | default list) }}
{{- if and (kindIs "map" .) (eq (get . "name") $.webhook) }}
{{- $cc := get . "clientConfig" | default dict }}
{{- get $cc "caBundle" | default "" }}
{{- end }}
{{- end }}
{{- end }}

{{/*
Value checks that a JSON schema cannot express, each failing with a message that names the
values. Included by deployment.yaml (always rendered) and pdb.yaml.
*/}}
{{- define "podpolicy.validateValues" -}}
{{- $replicas := int .Values.replicaCount }}
{{- if lt $replicas 1 }}
{{- fail (printf "replicaCount=%d: podpolicy needs at least one replica (two or more for high availability); with none, failurePolicy Fail would refuse every Pod in the intercepted namespaces" $replicas) }}
{{- end }}
{{- if .Values.podDisruptionBudget.enabled }}
{{- $min := .Values.podDisruptionBudget.minAvailable }}
{{- $minPods := 0 }}
{{- if kindIs "string" $min }}
{{- $pct := trimSuffix "%" $min | int }}
{{- $minPods = div (add (mul $replicas $pct) 99) 100 | int }}
{{- else }}
{{- $minPods = int $min }}
{{- end }}
{{- if le $replicas $minPods }}
{{- fail (printf "replicaCount=%d with podDisruptionBudget.minAvailable=%v would block every node drain; set replicaCount>=%d or lower podDisruptionBudget.minAvailable or disable podDisruptionBudget (podDisruptionBudget.enabled=false)" $replicas $min (add $minPods 1)) }}
{{- end }}
{{- end }}
{{- if eq (toString .Values.image.tag) "latest" }}
{{- fail "image.tag=latest: podpolicy's own image-tag-pinned rule denies an unpinned image; set a version tag (empty means the chart's appVersion) or a sha256: digest" }}
{{- end }}
{{- if has (int .Values.metrics.port) (list 9443 8081) }}
{{- fail (printf "metrics.port=%v clashes with the webhook port (9443) or the health port (8081); choose another port" .Values.metrics.port) }}
{{- end }}
{{- if not .Values.modeGuard.enabled }}
{{- range (.Values.webhook.namespaceSelector.matchExpressions | default list) }}
{{- if ne .key "kubernetes.io/metadata.name" }}
{{- fail (printf "webhook.namespaceSelector reads the Namespace label %s, which anyone who may label a Namespace could set to take it out of podpolicy's sight, and modeGuard.enabled=false leaves it unguarded; enable modeGuard (which guards every key the selector reads) or select on kubernetes.io/metadata.name" .key) }}
{{- end }}
{{- end }}
{{- end }}
{{- if and .Values.webhook.objectSelector (not .Values.webhook.allowObjectSelectorBypass) }}
{{- fail "webhook.objectSelector: the labels it selects on are set by whoever creates the object, so any Pod author could leave their Pod out of podpolicy by labelling it; set webhook.allowObjectSelectorBypass=true to accept that" }}
{{- end }}
{{- if and .Values.metrics.serviceMonitor.enabled (not .Values.metrics.enabled) }}
{{- fail "metrics.serviceMonitor.enabled=true needs metrics.enabled=true (the ServiceMonitor scrapes the metrics port)" }}
{{- end }}
{{- end }}

{{/*
The IDs of podpolicy's built-in rules, separated by spaces (the rules of values.schema.json;
a unit test keeps both equal to the rules podpolicy embeds).
*/}}
{{- define "podpolicy.builtinRules" -}}
containers-required container-ports-unique resources-requests-required resources-limits-required probes-required probe-port-declared security-privileged security-privilege-escalation security-run-as-non-root security-read-only-root-filesystem security-capabilities security-seccomp security-apparmor security-proc-mount security-selinux host-namespaces host-ports host-process host-probes sysctls-safe host-path-volumes volume-types image-tag-pinned share-process-namespace inject-labels default-container-annotation
{{- end }}

{{/*
The Namespace label keys only config.modeAdmins may add, change or remove, as a YAML list:
podpolicy.io/mode (which softens podpolicy in a namespace), every key
webhook.namespaceSelector reads (which decides whether podpolicy judges a namespace at all;
kubernetes.io/metadata.name, which the API server sets, needs no guard) and
config.guardedLabels. The config podpolicy reads gets the same list (configmap.yaml), so its
webhook and the ValidatingAdmissionPolicy guard the same keys.
*/}}
{{- define "podpolicy.guardedLabels" -}}
{{- $keys := list "podpolicy.io/mode" }}
{{- range (.Values.webhook.namespaceSelector.matchExpressions | default list) }}
{{- if ne .key "kubernetes.io/metadata.name" }}{{ $keys = append $keys .key }}{{ end }}
{{- end }}
{{- range (.Values.config.guardedLabels | default list) }}{{ $keys = append $keys . }}{{ end }}
{{- toYaml (uniq $keys) }}
{{- end }}

{{/*
A CEL expression, true when a Namespace request adds, changes or removes a guarded label (an
absent label and an empty one differ, as they do to a selector).
*/}}
{{- define "podpolicy.guardExpression" -}}
{{- $keys := list }}
{{- range (include "podpolicy.guardedLabels" . | fromYamlArray) }}{{ $keys = append $keys (printf "'%s'" .) }}{{ end -}}
[{{ join ", " $keys }}].exists(k, (oldObject == null || !has(oldObject.metadata.labels) || !(k in oldObject.metadata.labels) ? '<absent>' : oldObject.metadata.labels[k]) != (!has(object.metadata.labels) || !(k in object.metadata.labels) ? '<absent>' : object.metadata.labels[k]))
{{- end }}

{{/*
config.modeAdmins, merged as podpolicy merges it: added to the defaults (the group
system:masters, the cluster admins, who can remove any guard anyway). A dict of users,
groups and serviceAccounts.
*/}}
{{- define "podpolicy.modeAdmins" -}}
{{- $admins := .Values.config.modeAdmins | default dict }}
{{- dict "users" (uniq ($admins.users | default list)) "groups" (uniq (prepend ($admins.groups | default list) "system:masters")) "serviceAccounts" (uniq ($admins.serviceAccounts | default list)) | toYaml }}
{{- end }}

{{/*
The usernames of modeAdmins as a CEL list: its users, and its service accounts' usernames
(system:serviceaccount:NAMESPACE:NAME).
*/}}
{{- define "podpolicy.modeAdminUsers" -}}
{{- $admins := include "podpolicy.modeAdmins" . | fromYaml }}
{{- $users := list }}
{{- range $admins.users }}{{ $users = append $users (printf "'%s'" .) }}{{ end }}
{{- range $admins.serviceAccounts }}{{ $users = append $users (printf "'system:serviceaccount:%s'" (replace "/" ":" .)) }}{{ end }}
{{- printf "[%s]" (join ", " $users) }}
{{- end }}

{{- define "podpolicy.modeAdminGroups" -}}
{{- $admins := include "podpolicy.modeAdmins" . | fromYaml }}
{{- $groups := list }}
{{- range $admins.groups }}{{ $groups = append $groups (printf "'%s'" .) }}{{ end }}
{{- printf "[%s]" (join ", " $groups) }}
{{- end }}

{{/*
The kinds of custom controllers podpolicy judges by default, with the resource the API serves
each as: the shipped workloads of podpolicy's config (policies/rego/podpolicy/config/data.yaml,
where their template paths are); a unit test keeps both lists equal.
*/}}
{{- define "podpolicy.shippedWorkloads" -}}
- {group: argoproj.io, kind: Rollout, resource: rollouts}
- {group: apps.kruise.io, kind: CloneSet, resource: clonesets}
- {group: apps.kruise.io, kind: StatefulSet, resource: statefulsets}
- {group: apps.kruise.io, kind: DaemonSet, resource: daemonsets}
- {group: apps.kruise.io, kind: BroadcastJob, resource: broadcastjobs}
- {group: serving.knative.dev, kind: Service, resource: services}
- {group: serving.knative.dev, kind: Configuration, resource: configurations}
- {group: jobset.x-k8s.io, kind: JobSet, resource: jobsets}
- {group: leaderworkerset.x-k8s.io, kind: LeaderWorkerSet, resource: leaderworkersets}
- {group: ray.io, kind: RayJob, resource: rayjobs}
- {group: ray.io, kind: RayService, resource: rayservices}
- {group: ray.io, kind: RayCluster, resource: rayclusters}
- {group: kubeflow.org, kind: PyTorchJob, resource: pytorchjobs}
- {group: kubeflow.org, kind: TFJob, resource: tfjobs}
- {group: kubeflow.org, kind: MPIJob, resource: mpijobs}
- {group: kubeflow.org, kind: XGBoostJob, resource: xgboostjobs}
- {group: kubeflow.org, kind: PaddleJob, resource: paddlejobs}
- {group: kubeflow.org, kind: JAXJob, resource: jaxjobs}
{{- end }}

{{/*
The resources of the configured kinds, by API group, as a YAML map of lists: the shipped
workloads merged with config.workloads kind by kind, as podpolicy merges them. The validating
webhook's rules and the ClusterRole's are both rendered from it, so podpolicy is sent, and may
read, exactly the kinds its config judges; a group the cluster does not serve costs nothing.
*/}}
{{- define "podpolicy.workloadResources" -}}
{{- $byKind := dict }}
{{- range (include "podpolicy.shippedWorkloads" . | fromYamlArray) }}
{{- $_ := set $byKind (printf "%s/%s" .group .kind) (dict "group" .group "resource" .resource) }}
{{- end }}
{{- range $i, $w := (.Values.config.workloads | default list) }}
{{- $key := printf "%s/%s" ($w.group | default "") $w.kind }}
{{- if hasKey $byKind $key }}
{{- if $w.resource }}
{{- $_ := set (get $byKind $key) "resource" $w.resource }}
{{- end }}
{{- else }}
{{- if or (not $w.group) (not $w.resource) }}
{{- fail (printf "config.workloads[%d]: group and resource are required for %s, which is not a shipped default" $i $w.kind) }}
{{- end }}
{{- $_ := set $byKind $key (dict "group" $w.group "resource" $w.resource) }}
{{- end }}
{{- end }}
{{- $byGroup := dict }}
{{- range $key, $w := $byKind }}
{{- $resources := get $byGroup $w.group | default list }}
{{- if not (has $w.resource $resources) }}
{{- $_ := set $byGroup $w.group (append $resources $w.resource | sortAlpha) }}
{{- end }}
{{- end }}
{{- toYaml $byGroup }}
{{- end }}
