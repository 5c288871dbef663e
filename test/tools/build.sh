#!/usr/bin/env bash
# Builds the binaries the tests and the demo run, from the Go module proxy, into bin/:
# kube-apiserver, kube-controller-manager and kubectl (k8s.io/kubernetes), etcd, helm and opa,
# and the real node's kubelet, kube-scheduler, kube-proxy (test/tools/node) and CNI plugins
# (test/tools/cni), Argo Rollouts' rollouts-controller for the e2e harness (test/tools/rollouts),
# Prometheus' promtool for the chart's alert rule tests (test/tools/promtool), and conftest for
# make bench (test/tools/conftest, only when asked for), each from its module under test/tools; and the node's system packages
# (containerd, runc, conntrack, iptables, iproute2) through apt-get when they are missing. A binary is rebuilt only when its module's go.mod/go.sum (the pinned
# versions) or the Go version change; builds are also kept in a cache outside the checkout
# ($PODPOLICY_TOOLS_CACHE, default ~/.cache/podpolicy/tools), so a fresh clone on a machine
# that built them before only copies them.
set -euo pipefail

root=$(cd "$(dirname "$0")/../.." && pwd)
bin="$root/bin"
cache="${PODPOLICY_TOOLS_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/podpolicy/tools}"
mkdir -p "$bin" "$cache"
goversion=$(go env GOVERSION)

# build NAME MODULE_DIR PACKAGE [LDFLAGS]
build() {
  local name=$1 dir=$root/test/tools/$2 pkg=$3 ldflags=${4:-}
  local id=${name//\//-} key
  key=$( (cat "$dir/go.mod" "$dir/go.sum"; echo "$goversion $pkg $ldflags") | sha256sum | cut -c1-16)
  if [[ -x $bin/$name && -f $bin/.$id.key && $(cat "$bin/.$id.key") == "$key" ]]; then
    echo "tools: $name is up to date"
    return
  fi
  local cached=$cache/$id-$key
  if [[ -x $cached ]]; then
    echo "tools: $name taken from the cache ($cached)"
  else
    echo "tools: building $name from $pkg (module test/tools/$2); the first build takes minutes"
    local log start=$SECONDS
    log=$(mktemp)
    # -v lists every package compiled: count them as progress, keep the full log for errors.
    if ! (cd "$dir" && go build -v -trimpath -ldflags "$ldflags" -o "$cached.tmp" "$pkg") 2>&1 | tee "$log" |
      awk -v name="$name" '{ n++ } n % 250 == 0 { printf "tools: %s: %d packages compiled\n", name, n; fflush() }'; then
      echo "tools: building $name failed:" >&2
      grep -v '^[a-zA-Z0-9_./~-]*$' "$log" | tail -40 >&2 || tail -40 "$log" >&2
      rm -f "$log" "$cached.tmp"
      exit 1
    fi
    rm -f "$log"
    mv "$cached.tmp" "$cached"
    echo "tools: built $name in $((SECONDS - start))s"
  fi
  cp "$cached" "$bin/$name.tmp" && mv "$bin/$name.tmp" "$bin/$name"
  echo "$key" > "$bin/.$id.key"
}

# Every Kubernetes binary reports the version of the pinned k8s.io/kubernetes, through the
# variables the upstream build sets (hack/lib/version.sh): without them the API server says
# v0.0.0-master+$Format:%H$ and `helm install` of any chart with a kubeVersion constraint fails.
kube_version=$(awk '$1 == "k8s.io/kubernetes" { print $2 }' "$root/test/tools/go.mod")
[[ $kube_version =~ ^v([0-9]+)\.([0-9]+)\. ]] || { echo "tools: no k8s.io/kubernetes version in test/tools/go.mod" >&2; exit 1; }
kube_ldflags=""
for pkg in k8s.io/component-base/version k8s.io/client-go/pkg/version; do
  kube_ldflags+=" -X $pkg.gitVersion=$kube_version -X $pkg.gitMajor=${BASH_REMATCH[1]} -X $pkg.gitMinor=${BASH_REMATCH[2]} -X $pkg.gitTreeState=clean"
done

# node_packages installs the system packages the real node runs (test/harness/node.go), as root
# and only when one is missing; elsewhere the node suites fail naming what is missing.
node_packages() {
  local missing=()
  for cmd in containerd runc conntrack iptables ip; do
    command -v "$cmd" >/dev/null || missing+=("$cmd")
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    echo "tools: node packages are installed"
    return
  fi
  if [[ $(id -u) -ne 0 ]]; then
    echo "tools: not root, so the node's packages are not installed (missing: ${missing[*]}); the real-node suites will fail naming them" >&2
    return
  fi
  echo "tools: installing the node's packages with apt-get (missing: ${missing[*]})"
  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends containerd runc conntrack iptables iproute2 >/dev/null ||
    { apt-get update >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends containerd runc conntrack iptables iproute2 >/dev/null; }
}

want=("$@")
[[ ${#want[@]} -gt 0 ]] || want=(opa etcd kube-apiserver kube-controller-manager kubectl helm kubelet kube-scheduler kube-proxy cni rollouts-controller promtool node-packages)
for tool in "${want[@]}"; do
  case $tool in
    kube-apiserver|kube-controller-manager|kubectl) build "$tool" . "k8s.io/kubernetes/cmd/$tool" "$kube_ldflags" ;;
    # Helm learns the Kubernetes version it assumes for `helm template` (and charts'
    # kubeVersion checks) from link-time variables; without them it assumes v1.20.
    helm) build helm . helm.sh/helm/v3/cmd/helm \
      "-X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=37" ;;
    etcd) build etcd etcd go.etcd.io/etcd/server/v3 ;;
    opa) build opa opa github.com/open-policy-agent/opa ;;
    # conftest, on the same OPA as podpolicy, for make bench's check phase.
    conftest) build conftest conftest github.com/open-policy-agent/conftest ;;
    # Argo Rollouts' controller, which test/harness/rollouts.go runs against the control plane,
    # reporting its pinned version (upstream's Makefile sets it the same way) rather than v99.99.99.
    rollouts-controller)
      rollouts_version=$(awk 'NF >= 2 && $(NF-1) == "github.com/argoproj/argo-rollouts" { print $NF }' "$root/test/tools/rollouts/go.mod")
      [[ -n $rollouts_version ]] || { echo "tools: no github.com/argoproj/argo-rollouts version in test/tools/rollouts/go.mod" >&2; exit 1; }
      build rollouts-controller rollouts github.com/argoproj/argo-rollouts/cmd/rollouts-controller \
        "-X github.com/argoproj/argo-rollouts/utils/version.version=${rollouts_version#v}"
      ;;
    # promtool, for `promtool test rules` over the chart's alerts, reporting the Prometheus
    # release of its pinned module (v0.316.0 is Prometheus 3.16.0) as upstream's build does.
    promtool)
      prom_version=$(awk '$1 == "github.com/prometheus/prometheus" { print $2 }' "$root/test/tools/promtool/go.mod")
      [[ $prom_version =~ ^v0\.([0-9]+)([0-9][0-9])\.([0-9]+)$ ]] || { echo "tools: no github.com/prometheus/prometheus v0.3xx.y version in test/tools/promtool/go.mod" >&2; exit 1; }
      build promtool promtool github.com/prometheus/prometheus/cmd/promtool \
        "-X github.com/prometheus/common/version.Version=${BASH_REMATCH[1]}.$((10#${BASH_REMATCH[2]})).${BASH_REMATCH[3]}"
      ;;
    kubelet|kube-scheduler|kube-proxy) build "$tool" node "k8s.io/kubernetes/cmd/$tool" "$kube_ldflags" ;;
    # The CNI plugins go where the node's containerd looks for them (bin/cni), by their own names.
    cni)
      mkdir -p "$bin/cni"
      for plugin in main/loopback main/bridge ipam/host-local; do
        build "cni/${plugin#*/}" cni "github.com/containernetworking/plugins/plugins/$plugin"
      done
      ;;
    node-packages) node_packages ;;
    *) echo "tools: unknown tool $tool" >&2; exit 2 ;;
  esac
done
