{{/* Names and labels as Common Ground components use them (app.kubernetes.io/*). */}}
{{- define "dso-gateway.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "dso-gateway.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{- define "dso-gateway.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{ include "dso-gateway.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/part-of: dso-gateway
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end -}}

{{- define "dso-gateway.selectorLabels" -}}
app.kubernetes.io/name: {{ include "dso-gateway.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "dso-gateway.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) -}}
{{- end -}}

{{- define "dso-gateway.secretName" -}}
{{- if .Values.secrets.create -}}
{{- printf "%s-settings" (include "dso-gateway.fullname" .) -}}
{{- else -}}
{{- required "secrets.existingSecret is required when secrets.create is false" .Values.secrets.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "dso-gateway.pkioSecretName" -}}
{{- if .Values.pkio.create -}}
{{- printf "%s-pkio" (include "dso-gateway.fullname" .) -}}
{{- else -}}
{{- required "pkio.existingSecret is required when pkio.enabled and not pkio.create" .Values.pkio.existingSecret -}}
{{- end -}}
{{- end -}}

{{- define "dso-gateway.apiScheme" -}}
{{- if eq (toString (default "" .Values.settings.NOTIFICATION_AUTH)) "mtls" -}}HTTPS{{- else -}}HTTP{{- end -}}
{{- end -}}

{{/* The environment every gateway container gets: settings, secret settings, fixed paths. */}}
{{- define "dso-gateway.env" -}}
- name: DSOGW_DATA_DIR
  value: /var/lib/dso-gateway
{{- range $key, $value := .Values.settings }}
- name: {{ printf "DSOGW_%s" $key }}
  value: {{ toString $value | quote }}
{{- end }}
{{- $secret := include "dso-gateway.secretName" . }}
{{- range .Values.secrets.keys }}
- name: {{ printf "DSOGW_%s" . }}
  valueFrom:
    secretKeyRef:
      name: {{ $secret }}
      key: {{ printf "DSOGW_%s" . }}
      optional: true
{{- end }}
{{- if .Values.pkio.enabled }}
- name: DSOGW_DSO_CLIENT_CERT
  value: /etc/dso-gateway/pkio/tls.crt
- name: DSOGW_DSO_CLIENT_KEY
  value: /etc/dso-gateway/pkio/tls.key
{{- if or .Values.pkio.caBundle .Values.pkio.existingSecretHasCaBundle }}
- name: DSOGW_DSO_CA_BUNDLE
  value: /etc/dso-gateway/pkio/ca.crt
{{- end }}
{{- end }}
{{- end -}}

{{/* Writable paths: the data volume and /tmp; the root filesystem is read-only. */}}
{{- define "dso-gateway.volumeMounts" -}}
- name: data
  mountPath: /var/lib/dso-gateway
- name: tmp
  mountPath: /tmp
{{- if .Values.pkio.enabled }}
- name: pkio
  mountPath: /etc/dso-gateway/pkio
  readOnly: true
{{- end }}
{{- end -}}

{{- define "dso-gateway.volumes" -}}
- name: data
{{- if and .persistent .root.Values.persistence.enabled }}
  persistentVolumeClaim:
    claimName: {{ default (printf "%s-data" (include "dso-gateway.fullname" .root)) .root.Values.persistence.existingClaim }}
{{- else }}
  emptyDir: {}
{{- end }}
- name: tmp
  emptyDir:
    sizeLimit: {{ .root.Values.tmp.sizeLimit }}
{{- if .root.Values.pkio.enabled }}
- name: pkio
  secret:
    secretName: {{ include "dso-gateway.pkioSecretName" .root }}
    defaultMode: 0440
{{- end }}
{{- end -}}

{{/* What every gateway pod spec shares. */}}
{{- define "dso-gateway.podCommon" -}}
automountServiceAccountToken: false
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.nodeSelector }}
nodeSelector:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.tolerations }}
tolerations:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- with .Values.affinity }}
affinity:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}
