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
if [ "$(id -u)" -eq 0 ]; then
	user=nobody
	chown nobody "$run/mail"
else
	user=$(id -un)
fi
sed -e "s|@RUN@|$run|g" -e "s|@USER@|$user|g" "$top/etc/run.conf.in" \
    > "$run/smtpd.conf"
echo "posthorn: listening on 127.0.0.1:2525, spool $run/spool"
echo "posthorn: mail is delivered as $user into $run/mail/RECIPIENT/"
echo "posthorn: try: swaks --server 127.0.0.1:2525 --to alice@example.org"

exec "$top/$build/bin/smtpd" -d -f "$run/smtpd.conf"
