# build-aux/packages.sh: the Debian 12 packages Paybridge builds, runs and
# tests with, and a helper that installs the missing ones. Sourced by
# run-demo and run-tests.
#
# SPDX-License-Identifier: GPL-3.0-or-later

PB_PACKAGES="build-essential meson ninja-build pkg-config gettext
  libglib2.0-dev libglib2.0-bin libgtk-4-dev libadwaita-1-dev libsoup-3.0-dev
  libjson-glib-dev libsecret-1-dev libsqlite3-dev
  desktop-file-utils appstream-util libxml2-utils
  xvfb xauth dbus-daemon gnome-keyring at-spi2-core imagemagick x11-utils xcompmgr
  libsecret-tools clang libclang-rt-14-dev"

# The contract tests run a validating proxy on Node.js; use the machine's own
# node when there is one (it may not come from Debian).
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
  PB_PACKAGES="$PB_PACKAGES nodejs npm"
fi

pb_missing_packages () {
  missing=""
  for p in $PB_PACKAGES; do
    status=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
    case "$status" in
      *"install ok installed"*) ;;
      *) missing="$missing $p" ;;
    esac
  done
  echo "$missing"
}

# Installs what is missing when root; otherwise prints the one command to
# run and returns 1.
pb_ensure_packages () {
  missing=$(pb_missing_packages)
  [ -z "$missing" ] && return 0
  if [ "$(id -u)" -eq 0 ]; then
    echo "Installing:$missing" >&2
    apt-get update -q >&2 &&
      DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >&2
  else
    echo "These Debian packages are missing. Install them with:" >&2
    echo "sudo apt-get install -y --no-install-recommends$missing" >&2
    return 1
  fi
}
