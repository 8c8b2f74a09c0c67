{{/* Chart name, overridable with nameOverride. */}}
{{- define "devportal.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/*
Full name of the release's objects. Kubernetes names are limited to 63 characters;
the release name alone is used when it already contains the chart name.
*/}}
{{- define "devportal.fullname" -}}
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

{{- define "devportal.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels that select the pods: never change them between releases (selectors are immutable). */}}
{{- define "devportal.selectorLabels" -}}
app.kubernetes.io/name: {{ include "devportal.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{- define "devportal.labels" -}}
helm.sh/chart: {{ include "devportal.chart" . }}
{{ include "devportal.selectorLabels" . }}
app.kubernetes.io/version: {{ .Values.image.tag | default .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{- define "devportal.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "devportal.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{- define "devportal.image" -}}
{{- printf "%s:%s" .Values.image.repository (.Values.image.tag | default .Chart.AppVersion) }}
{{- end }}

{{/* The Secret holding the PostgreSQL password: the user's, or the one this chart names. */}}
{{- define "devportal.postgresqlSecretName" -}}
{{- if .Values.postgresql.existingSecret }}
{{- .Values.postgresql.existingSecret }}
{{- else }}
{{- printf "%s-postgresql" (include "devportal.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}

{{- define "devportal.pluginsClaimName" -}}
{{- if .Values.dynamicPlugins.persistence.existingClaim }}
{{- .Values.dynamicPlugins.persistence.existingClaim }}
{{- else }}
{{- printf "%s-dynamic-plugins" (include "devportal.fullname" .) | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
