#!/usr/bin/env bash
# The .deb as a user gets it (issue 8): cpack builds it from the build folder,
# dpkg -x unpacks it into a temporary root, and the unpacked layerlab-cli
# validates a preset from that root, run from an unrelated folder, so nothing
# is read from the source tree or the working directory. The menu entry and
# the AppStream file are checked by their validators where those are
# installed (desktop-file-utils, appstream; scripts/lib/setup.sh installs
# both). AppStream's URL checks are off (--no-net): its screenshot URL is a
# placeholder and CI has no network.
#
# Usage: deb_test.sh CPACK BUILD_DIR
set -euo pipefail

cpack=$1
build=$2
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

fail() {
    echo "FAIL: $*" >&2
    exit 1
}

(cd "$build" && "$cpack" -G DEB -B "$work/out" --config CPackConfig.cmake >"$work/cpack.log" 2>&1) ||
    { cat "$work/cpack.log" >&2; fail "cpack could not build the package"; }
debs=("$work"/out/*.deb)
[ -f "${debs[0]}" ] || fail "cpack wrote no .deb into $work/out"
deb=${debs[0]}
echo "built $(basename "$deb") ($(du -h "$deb" | cut -f1))"

# The dependencies a Debian 12 user needs for the binaries to start.
depends=$(dpkg-deb -f "$deb" Depends)
echo "Depends: $depends"
for wanted in libtorch libopenblas; do
    [[ $depends == *"$wanted"* ]] || fail "Depends lacks $wanted"
done

root="$work/root"
dpkg -x "$deb" "$root"
for file in usr/bin/layerlab-cli usr/share/layerlab/presets/seed-dropout.json \
    usr/libexec/layerlab/fetch-data usr/share/doc/layerlab/README.md; do
    [ -f "$root/$file" ] || fail "the package does not install /$file"
done
[ -x "$root/usr/libexec/layerlab/fetch-data" ] || fail "fetch-data is not executable"

# The GUI's files, when this build has the GUI.
if [ -e "$root/usr/bin/layerlab" ]; then
    for wanted in libqt6charts6 libqt6svg6 libopencv; do
        [[ $depends == *"$wanted"* ]] || fail "Depends lacks $wanted"
    done
    desktop=$(ls "$root"/usr/share/applications/*.desktop)
    [ -f "$(ls "$root"/usr/share/metainfo/*.metainfo.xml)" ] || fail "no AppStream metainfo"
    icon=$(sed -n 's/^Icon=//p' "$desktop")
    for file in "usr/share/icons/hicolor/scalable/apps/$icon.svg" \
        "usr/share/icons/hicolor/48x48/apps/$icon.png" \
        "usr/share/icons/hicolor/256x256/apps/$icon.png"; do
        [ -f "$root/$file" ] || fail "the package does not install /$file"
    done
    if command -v desktop-file-validate >/dev/null 2>&1; then
        out=$(desktop-file-validate "$desktop" 2>&1) || fail "desktop-file-validate: $out"
        [ -z "$out" ] || fail "desktop-file-validate is not clean: $out"
        echo "desktop-file-validate: clean"
    else
        echo "skipped desktop-file-validate (apt-get install desktop-file-utils)"
    fi
    if command -v appstreamcli >/dev/null 2>&1; then
        # validate-tree also checks the metainfo against its menu entry and icon.
        appstreamcli validate-tree --no-net "$root" >"$work/appstream.log" 2>&1 ||
            { cat "$work/appstream.log" >&2; fail "appstreamcli validate-tree"; }
        echo "appstreamcli validate-tree: $(tail -1 "$work/appstream.log")"
    else
        echo "skipped appstreamcli validate (apt-get install appstream)"
    fi
fi

# The unpacked CLI on an unpacked preset, from a folder that holds nothing.
mkdir "$work/elsewhere"
out=$(cd "$work/elsewhere" &&
    "$root/usr/bin/layerlab-cli" validate --config "$root/usr/share/layerlab/presets/seed-dropout.json" 2>&1) ||
    { echo "$out" >&2; fail "layerlab-cli validate failed from the unpacked package"; }
[[ $out == *"ok: the experiment is valid"* ]] || { echo "$out" >&2; fail "no 'ok' from validate"; }
echo "$out" | tail -1
echo "PASS"
