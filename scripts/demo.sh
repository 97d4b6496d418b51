#!/usr/bin/env bash
# make demo: a working platform on 127.0.0.1:8000 with the real division tree and one login per role.
set -euo pipefail
cd "$(dirname "$0")/.."
PY=.venv/bin/python
$PY manage.py migrate --no-input -v 0
$PY manage.py regions_load --provinces 63,52
$PY manage.py policy_seed
# Huangzhong at its real size: 8,954 lifted-out households and ordinary ones (about 50 s, once).
$PY manage.py synth --counties 630106 --seed 1
$PY manage.py demo_users
# Its monitoring history since 2021, calibrated to the seeds (docs/synthetic-data.md; a few seconds, once).
$PY manage.py history_synth --county 630106 --seed 1
$PY manage.py screen --region 630106000000
$PY manage.py demo_cases
# Industries and benefit linkage of the demo county, calibrated to seed 004 (docs/synthetic-data.md; seconds, once).
$PY manage.py industry_synth --county 630106 --seed 1
# Workshops, jobs, courses and Rain and Dew grants calibrated to seed 004 (docs/synthetic-data.md; once).
$PY manage.py employment_synth --county 630106 --seed 1
# Village PV stations, their distributions and public-welfare posts with this year's pay (seeds 000, 004; seconds).
$PY manage.py pv_synth --county 630106 --seed 1
# Small loans since 2016, calibrated to the seed (a few seconds, once); the nightly check raises the overdue ones' leads.
$PY manage.py loans_synth --county 630106 --seed 1
$PY manage.py loans_overdue --region 630106000000
# Relocation follow-up: sites, 714 relocated households, their assessments and support (seeds 004, 000; seconds, once).
$PY manage.py relocation_synth --county 630106 --seed 1
# Anti-poverty insurance: a policy a year since 2021 and this year's claims, calibrated to seed 001 (seconds, once).
$PY manage.py insurance_synth --county 630106 --seed 1
# The project library: 2021's 衔接资金 and east-west funds arranged 100 % to 46 projects (seed 004; seconds, once).
$PY manage.py projects_synth --county 630106 --seed 1
# Points supermarkets: 81 serving all the county's villages, their rules, goods and ledgers since 2024 (seed 004; once).
$PY manage.py points_synth --county 630106 --seed 1
# Village mutual-aid funds of 156 villages since 2009, calibrated to seeds 003 and 004 (seconds, once).
$PY manage.py mutualaid_synth --county 630106 --seed 1
# Dashboard figures of the demo county for 24 months (the nightly rebuild; steps and runs refresh the current one).
$PY manage.py figures_refresh --region 630106000000 --months 24
# The job worker runs beside the web server and stops with it.
$PY manage.py jobs_worker --interval 1 >var/worker.log 2>&1 &
worker=$!
trap 'kill $worker 2>/dev/null || true' EXIT INT TERM
$PY manage.py runserver "${BOTTOMLINE_DEMO_ADDR:-127.0.0.1:8000}" --noreload
