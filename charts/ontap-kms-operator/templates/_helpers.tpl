{{/* The chart name, overridable. */}}
{{- define "ontap-kms-operator.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* The object name prefix: the release name, with the chart name unless it already has it. */}}
{{- define "ontap-kms-operator.fullname" -}}
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

{{- define "ontap-kms-operator.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" }}
{{- end }}

{{/* Labels on every object. */}}
{{- define "ontap-kms-operator.labels" -}}
helm.sh/chart: {{ include "ontap-kms-operator.chart" . }}
{{ include "ontap-kms-operator.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: ontap-kms-operator
{{- end }}

{{/* Labels that select the operator pods; immutable once installed. */}}
{{- define "ontap-kms-operator.selectorLabels" -}}
app.kubernetes.io/name: {{ include "ontap-kms-operator.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: operator
{{- end }}

{{- define "ontap-kms-operator.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "ontap-kms-operator.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/*
The ONTAP endpoint allow-list must be given one way or the other: an empty list would allow no
endpoint at all (the operator contacts none), and allowing any is a choice to be made out loud.
*/}}
{{- define "ontap-kms-operator.validateAllowList" -}}
{{- if and .Values.allowAnyOntapEndpoint .Values.allowedOntapEndpoints }}
{{- fail "allowAnyOntapEndpoint=true and allowedOntapEndpoints contradict each other: give one or the other" }}
{{- end }}
{{- if not (or .Values.allowAnyOntapEndpoint .Values.allowedOntapEndpoints) }}
{{- fail "allowedOntapEndpoints is required: list your ONTAP clusters' management addresses, e.g. --set 'allowedOntapEndpoints={10.0.0.10,10.0.1.0/28}' (an entry without a port means 443; ontap1.corp:8443 names one). The operator contacts no other endpoint, and with an empty list it would contact none. To allow every endpoint instead, set allowAnyOntapEndpoint=true: anyone who may create an OntapCluster can then make the operator send credentials and Secrets anywhere." }}
{{- end }}
{{- end }}

{{/*
The ports of allowedOntapEndpoints, as a JSON list: 443 for an entry without one, [] (any port)
when an entry ends in :* or with allowAnyOntapEndpoint. "[fd20::1]:8443" names a port; a bare
IPv6 entry ("fd20::/64", more than one colon) does not.
*/}}
{{- define "ontap-kms-operator.ontapPorts" -}}
{{- $ports := list }}
{{- $any := .Values.allowAnyOntapEndpoint }}
{{- range .Values.allowedOntapEndpoints }}
{{- $e := trim . }}
{{- $port := "443" }}
{{- if hasPrefix "[" $e }}
{{- $parts := splitList "]:" $e }}
{{- if eq (len $parts) 2 }}{{ $port = last $parts }}{{ end }}
{{- else if eq (len (splitList ":" $e)) 2 }}
{{- $port = last (splitList ":" $e) }}
{{- end }}
{{- if eq $port "*" }}{{ $any = true }}{{ else }}{{ $ports = append $ports (atoi $port) }}{{ end }}
{{- end }}
{{- if $any }}[]{{ else }}{{ $ports | uniq | toJson }}{{ end }}
{{- end }}
