#!/bin/sh
# run.sh BUILD - `make run`: start smtpd in the foreground on
# 127.0.0.1:2525 with a working configuration under ./run/ (spool and
# mailboxes inside the checkout), logging to the terminal.  Started as
# root it runs privilege-separated (creating its accounts if missing);
# as an ordinary user it runs in development mode as that user.
build=${1:-build}
top=$(pwd)
run=$top/run
mkdir -p "$run/mail"
sh "$top/etc/accounts.sh" || exit 1
sed -e "s|@RUN@|$run|g" "$top/etc/run.conf.in" > "$run/smtpd.conf"
echo "posthorn: listening on 127.0.0.1:2525, spool $run/spool, mail in $run/mail"
echo "posthorn: try: swaks --server 127.0.0.1:2525 --to $(id -un)@localhost"
exec "$top/$build/bin/smtpd" -d -f "$run/smtpd.conf"
