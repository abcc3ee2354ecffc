#!/usr/bin/env bash
# beehive mirror: the keeper's unattended job, the same for every scheduler.
#
#   deploy/job.sh [-s NAME=VALUE ...]
#
# 1. mirror index: the current government's newest search pages (incremental);
# 2. mirror run -a budget=$JOB_BUDGET: the new releases and the seeds due;
# 3. mirror accept --new --whitespace --commit [--push]: new releases and
#    whitespace-only changes into the archive's git history; real changes,
#    gone and moved wait for a person (output/reports/latest/report.html).
#
# Every -s goes to each mirror command (SEEDS_DIR, OUTPUT_DIR, MIRROR_ORIGIN...).
# From the environment: JOB_BUDGET (2000) release requests, JOB_PUSH (1: push
# the commit), JOB_INDEX_PAGES (3) search pages a run, MIRROR (the mirror
# command; default: `mirror` on PATH, else the checkout's .venv/bin/mirror).
#
# Exit status, as `mirror run`: 0 nothing to review; 1 entries to review;
# 2 the run cannot be trusted, or the commit or push failed; 3 another run
# holds the lock (nothing is accepted or committed then).
set -u

settings=()
while getopts "s:" option; do
    case $option in
        s) settings+=(-s "$OPTARG") ;;
        *) echo "usage: $0 [-s NAME=VALUE ...]" >&2; exit 2 ;;
    esac
done
shift $((OPTIND - 1))
if [ $# -gt 0 ]; then
    echo "usage: $0 [-s NAME=VALUE ...] (unexpected: $*)" >&2
    exit 2
fi

budget=${JOB_BUDGET:-2000}
push=${JOB_PUSH:-1}
pages=${JOB_INDEX_PAGES:-3}
here=$(cd "$(dirname "$0")" && pwd)
if [ -z "${MIRROR:-}" ]; then
    # cron and systemd start with a bare PATH: then the checkout's virtualenv
    MIRROR=mirror
    command -v mirror >/dev/null 2>&1 || MIRROR="$here/../.venv/bin/mirror"
fi

say() { echo "job.sh: $*"; }

# 1. The newest listing pages of the current government (speeches too: the
# archive keeps both).  A listing that could not be read (exit 2) does not
# stop the run: the seeds are still checked, and the job ends 2.
"$MIRROR" index --government current --type article --type speech --pages "$pages" "${settings[@]}"
index=$?
if [ $index -eq 3 ]; then
    say "another run is active; nothing done"
    exit 3
fi

# 2. The crawl, diff and report.
"$MIRROR" run -a "budget=$budget" "${settings[@]}"
run=$?
if [ $run -eq 3 ]; then
    say "another run is active; nothing accepted"
    exit 3
fi
if [ $run -ge 2 ]; then
    # Nothing is accepted from a run that cannot be trusted.
    say "the run cannot be trusted (exit $run); nothing accepted"
    exit 2
fi

# 3. What can go in unattended.
accept=(accept --new --whitespace --commit)
[ "$push" = 1 ] && accept+=(--push)
"$MIRROR" "${accept[@]}" "${settings[@]}"
accepted=$?

if [ $index -ne 0 ] || [ $accepted -ge 2 ]; then
    say "index exit $index, run exit $run, accept exit $accepted"
    exit 2
fi
# An entry accept refused (exit 1) is one more thing to review.
[ $accepted -ne 0 ] && exit 1
exit $run
