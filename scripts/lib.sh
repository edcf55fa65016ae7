# Shared shell helpers for the setup scripts (sourced, not executed).

# The Debian mirror this machine's apt already uses (never hard-coded in the repo).
debian_mirror() {
  local uri
  uri=$( (grep -rhoE '^(URIs:|deb) *[^ ]+' /etc/apt/sources.list /etc/apt/sources.list.d/ 2>/dev/null || true) \
        | awk '{print $2}' | grep -v security | grep -E '/debian/?$' | head -n1 || true)
  if [ -z "$uri" ]; then
    echo "cannot find a Debian mirror in /etc/apt sources" >&2
    return 1
  fi
  printf '%s' "${uri%/}"
}
