{{- define "ic.fullname" -}}
{{- printf "%s-%s" .Release.Name "controller" | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- define "ic.selectorLabels" -}}
app.kubernetes.io/name: ingress-controller
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: controller
{{- end }}
