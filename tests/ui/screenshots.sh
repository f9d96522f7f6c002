# SPDX-License-Identifier: GPL-3.0-or-later
# Sourced by the UI test scripts: screenshots into $SHOTS, and their pixels.

# shot NAME [WINDOW]: a screenshot of WINDOW (default: the whole screen).
shot() { import -window "${2:-root}" "$SHOTS/$1.png"; }

# pixel SHOT X,Y: its colour there, as R,G,B.
pixel() {
	convert "$SHOTS/$1.png" -format "%[fx:int(255*p{$2}.r)],%[fx:int(255*p{$2}.g)],%[fx:int(255*p{$2}.b)]" info:
}

# close_to R,G,B R,G,B: each channel within 6.
close_to() {
	python3 - "$1" "$2" <<-'PY'
		import sys
		got = [int(v) for v in sys.argv[1].split(",")]
		want = [int(v) for v in sys.argv[2].split(",")]
		sys.exit(0 if all(abs(g - w) <= 6 for g, w in zip(got, want)) else 1)
	PY
}

# shows SHOT WINDOW X,Y R,G,B: takes the screenshot; whether it has that colour there.
shows() { shot "$1" "$2" && close_to "$(pixel "$1" "$3")" "$4"; }

# colour_pixels SHOT R,G,B [GEOMETRY]: how many pixels have that colour (within 2%).
colour_pixels() {
	convert "$SHOTS/$1.png" ${3:+-crop "$3"} -fuzz 2% -fill black +opaque "rgb($2)" \
		-fill white -opaque "rgb($2)" -format '%[fx:int(mean*w*h)]' info:
}

# colour_count SHOT [GEOMETRY]: how many distinct colours (in that part).
colour_count() { convert "$SHOTS/$1.png" ${2:+-crop "$2"} -format '%k' info:; }

# same PNG PNG: the two screenshots have the same pixels.
same() { [ "$(compare -metric AE "$1" "$2" null: 2>&1)" = 0 ]; }

# after_change WINDOW COMMAND...: runs COMMAND (a click, a key), then waits (20 s at most) until
# WINDOW looks other than before it, and the same in two screenshots in a row: the app has
# drawn what the action asked for, however slowly, instead of a guess at how long that takes.
after_change() {
	local win=$1 before=$SHOTS/.before.png last=$SHOTS/.last.png now=$SHOTS/.now.png
	local deadline=$((SECONDS + 20))
	shift
	import -window "$win" "$before" || return 1
	"$@" || return 1
	cp "$before" "$last"
	while ((SECONDS < deadline)); do
		import -window "$win" "$now" || return 1
		if ! same "$now" "$before" && same "$now" "$last"; then
			return 0
		fi
		mv "$now" "$last"
	done
	return 1
}

# settled WINDOW: two screenshots in a row of WINDOW are the same (for wait_for).
settled() {
	import -window "$1" "$SHOTS/.settle-a.png" && import -window "$1" "$SHOTS/.settle-b.png" &&
		same "$SHOTS/.settle-a.png" "$SHOTS/.settle-b.png"
}
