"""Contact center (contact_center.md): interactions, agents and supervisors CSVs.

One supervisor per team. Later days move a few agents between teams and
replace a supervisor (so snapshots record history), and add interactions with
duplicates of interaction_id, missing agent names and ~1 % bad rows.
"""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

from sample_data.common import (
    day_date,
    duplicate,
    fact_parts,
    fmt_ts,
    landing_file,
    part_file,
    person,
    rng_for,
    scaled,
    spoil,
    ts,
    write_csv,
)

DOMAIN = "contact_center"
ISSUES = ["billing", "technical", "account", "delivery", "returns", "general"]
RESOLUTIONS = ["Resolved"] * 6 + ["Unresolved", "Escalated", "Pending"]
COLUMNS = {
    "interactions": ["interaction_id", "agent_id", "customer_id", "start_time", "end_time", "issue_type", "resolution"],
    "agents": ["agent_id", "name", "team", "hire_date"],
    "supervisors": ["supervisor_id", "name", "team", "hire_date"],
}


def sizes(scale: float) -> dict[str, int]:
    agents = max(10, scaled(200, scale))
    return {"agents": agents, "teams": max(2, agents // 20), "interactions": scaled(30_000, scale)}


def _state(seed: int, day: int, scale: float):
    size = sizes(scale)
    teams = [f"Team {chr(65 + i % 26)}{i // 26 or ''}" for i in range(size["teams"])]
    agents, supervisors = {}, {}
    for n in range(1, size["agents"] + 1):
        rng = rng_for(seed, DOMAIN, f"agent:{n}")
        p = person(rng, n)
        agents[f"A{n:04d}"] = {
            "agent_id": f"A{n:04d}",
            "name": "" if rng.random() < 0.02 else f"{p['first_name']} {p['last_name']}",
            "team": teams[(n - 1) % len(teams)],
            "hire_date": (day_date(1) - timedelta(days=rng.randint(30, 2000))).isoformat(),
        }
    for i, team in enumerate(teams, start=1):
        rng = rng_for(seed, DOMAIN, f"supervisor:{i}")
        p = person(rng, i)
        supervisors[f"S{i:03d}"] = {
            "supervisor_id": f"S{i:03d}",
            "name": f"{p['first_name']} {p['last_name']}",
            "team": team,
            "hire_date": (day_date(1) - timedelta(days=rng.randint(400, 4000))).isoformat(),
        }
    changed_a, changed_s = set(agents), set(supervisors)
    for d in range(2, day + 1):
        rng = rng_for(seed, DOMAIN, f"changes:{d}")
        changed_a = set(rng.sample(sorted(agents), k=max(1, len(agents) * 3 // 100)))
        for a in sorted(changed_a):
            agents[a]["team"] = rng.choice(teams)
        sid = rng.choice(sorted(supervisors))
        p = person(rng, 1000 + d)
        supervisors[sid]["name"] = f"{p['first_name']} {p['last_name']}"
        supervisors[sid]["hire_date"] = day_date(d).isoformat()
        changed_s = {sid}
    return agents, supervisors, changed_a, changed_s


def _missing_agent(row, rng):
    row["agent_id"] = ""


def _unknown_agent(row, rng):
    row["agent_id"] = f"A9{rng.randint(1000, 9999)}"  # not (yet) in the agent list


def _bad_time(row, rng):
    row["end_time"] = "not-a-time"


def _end_before_start(row, rng):
    row["start_time"], row["end_time"] = row["end_time"], row["start_time"]


def generate(root: Path, day: int, seed: int, scale: float) -> dict[str, int]:
    size = sizes(scale)
    agents, supervisors, changed_a, changed_s = _state(seed, day, scale)
    rng = rng_for(seed, DOMAIN, f"facts:{day}")
    the_day = day_date(day)
    counts = {}
    for entity, rows in (
        ("agents", [agents[a] for a in sorted(changed_a)]),
        ("supervisors", [supervisors[s] for s in sorted(changed_s)]),
    ):
        path = landing_file(root, DOMAIN, entity, day, "csv")
        counts[str(path)] = write_csv(path, COLUMNS[entity], rows)
    per_day = max(1, size["interactions"] // 10)
    n_rows = size["interactions"] if day == 1 else per_day
    first = 1 if day == 1 else size["interactions"] + (day - 2) * per_day + 1
    agent_ids = sorted(agents)
    path = landing_file(root, DOMAIN, "interactions", day, "csv")
    for part, start, count, part_rng in fact_parts(rng, seed, DOMAIN, day, first, n_rows):
        rows = _interactions(part_rng, the_day, day, start, count, agent_ids)
        garbled = ['garbled,,line with "unclosed quote']
        counts[str(part_file(path, part))] = write_csv(
            part_file(path, part), COLUMNS["interactions"], rows, garbled, part_rng
        )
    return counts


def _interactions(rng, the_day, day: int, first: int, count: int, agent_ids: list) -> list[dict]:
    """One part of a day's interactions, spoiled and with duplicates."""
    rows = []
    for n in range(first, first + count):
        start = ts(the_day - timedelta(days=rng.randint(0, 13) if day == 1 else 0), rng)
        end = start + timedelta(seconds=rng.randint(60, 3600))
        rows.append(
            {
                "interaction_id": f"I{n:08d}",
                "agent_id": rng.choice(agent_ids),
                "customer_id": f"C{rng.randint(1, 10_000):06d}",
                "start_time": fmt_ts(start),
                "end_time": fmt_ts(end),
                "issue_type": rng.choice(ISSUES),
                "resolution": rng.choice(RESOLUTIONS),
            }
        )
    spoil(rows, rng, [_missing_agent, _unknown_agent, _bad_time, _end_before_start], 0.01)
    return duplicate(rows, rng, 0.01)
