#!/bin/sh
# mkkyuafile.sh DIR dir/t_prog ... - write DIR/Kyuafile and one Kyuafile
# per test directory (Kyua wants test programs named without a path).
top=$1
shift
mkdir -p "$top"
dirs=$(for t in "$@"; do dirname "$t"; done | sort -u)
{
	echo 'syntax(2)'
	echo 'test_suite("posthorn")'
	for d in $dirs; do echo "include(\"$d/Kyuafile\")"; done
} > "$top/Kyuafile"
for d in $dirs; do
	mkdir -p "$top/$d"
	{
		echo 'syntax(2)'
		echo 'test_suite("posthorn")'
		for t in "$@"; do
			if [ "$(dirname "$t")" = "$d" ]; then
				echo "atf_test_program{name=\"$(basename "$t")\"}"
			fi
		done
	} > "$top/$d/Kyuafile"
done
