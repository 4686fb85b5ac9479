# The local run's mail server, sourced by tools/run_local.sh (and by its test): Debian's
# python3-aiosmtpd, run by /usr/bin/python3 as the calling user (-n: no setuid) on a loopback
# address, storing every mail it accepts in a Maildir that `auth_cli mail` reads.
#
#   source tools/local_mail_server.sh
#   if local_mail_wanted "$@"; then
#     start_local_mail_server "$STATE_DIR/mail" 127.0.0.1:2525 "$STATE_DIR/mail-server.log"
#   fi
#   ...
#   stop_local_mail_server                         # e.g. in an EXIT trap

LOCAL_MAIL_PID=  # the running server's pid, or empty

# False when the auth_server flags name --smtp_url: the server then mails through the server they
# name, so no local one is started (it would only hold a port and receive nothing).
local_mail_wanted() {
  local arg
  for arg in "$@"; do
    case $arg in
      --smtp_url | --smtp_url=* | -smtp_url | -smtp_url=*) return 1 ;;
    esac
  done
  return 0
}

# start_local_mail_server MAILDIR HOST:PORT LOG: starts aiosmtpd in the background (its pid in
# LOCAL_MAIL_PID) and returns once it accepts connections; fails with a message naming the
# cause if the address is taken already, or if aiosmtpd exits or does not listen within 10 s.
start_local_mail_server() {
  local maildir=$1 listen=$2 log=$3
  local host=${listen%:*} port=${listen##*:}
  LOCAL_MAIL_PID=
  # Checked first: aiosmtpd failing to bind would otherwise look like a server that is up.
  if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then
    echo "run_local: something already listens on $listen (another tools/run_local.sh?);" \
      "set AUTH_SMTP_LISTEN to another address, or pass --smtp_url" >&2
    return 1
  fi
  # aiosmtpd's Maildir makes tmp/, new/ and cur/ only when it creates the folder itself: a folder
  # that exists without them (made by hand, or emptied) fails every delivery. Making the three
  # here serves a new Maildir and one kept from an earlier run alike.
  mkdir -p "$maildir/tmp" "$maildir/new" "$maildir/cur"
  chmod 700 "$maildir"
  /usr/bin/python3 -m aiosmtpd -n -l "$listen" -c aiosmtpd.handlers.Mailbox "$maildir" \
    >>"$log" 2>&1 &
  LOCAL_MAIL_PID=$!
  local _
  for _ in $(seq 100); do
    if ! kill -0 "$LOCAL_MAIL_PID" 2>/dev/null; then
      echo "run_local: the mail server exited (is python3-aiosmtpd installed? see $log)" >&2
      LOCAL_MAIL_PID=
      return 1
    fi
    if (exec 3<>"/dev/tcp/$host/$port") 2>/dev/null; then return 0; fi
    sleep 0.1
  done
  echo "run_local: the mail server did not listen on $listen within 10 s (see $log)" >&2
  kill "$LOCAL_MAIL_PID" 2>/dev/null
  LOCAL_MAIL_PID=
  return 1
}

# Stops the server started above, if any, and waits for it; succeeds whatever its exit status
# (143 after the SIGTERM), so a clean-up under set -e goes on to its next step.
stop_local_mail_server() {
  if [[ -n $LOCAL_MAIL_PID ]]; then
    kill "$LOCAL_MAIL_PID" 2>/dev/null || true
    wait "$LOCAL_MAIL_PID" 2>/dev/null || true
  fi
  LOCAL_MAIL_PID=
  return 0
}
