"""Given templates written to escape the sandbox or exhaust the worker, when they are
rendered, then each fails with a typed error within the limits and never runs code."""

from __future__ import annotations

import gc
import json
import subprocess
import sys
import time
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from notifications.templates import (
    MessageData,
    SmsContent,
    TemplateError,
    TemplateErrorCode,
    render,
)
from notifications.templates.content import EmailContent
from notifications.templates.cpu_clock import render_cpu_start, render_cpu_time
from notifications.templates.errors import RenderTimeoutError
from notifications.templates.sandbox import BUDGET, Budget, check_deadline

ANN = MessageData(first_name="Ann", points=1234)
# Generous: the limit is 100 ms, but this machine is shared and slow at times.
WALL_LIMIT_S = 2.0
UNSAFE = TemplateErrorCode.UNSAFE
TOO_LARGE = TemplateErrorCode.TOO_LARGE
TIMEOUT = TemplateErrorCode.TIMEOUT

ATTACKS = {
    "class and mro": ("{{ ''.__class__.__mro__ }}", UNSAFE),
    "subclasses": ("{{ ''.__class__.__mro__[1].__subclasses__() }}", UNSAFE),
    "subclasses by item": ("{{ first_name['__class__'] }}", UNSAFE),
    "cycler globals": ("{{ cycler.__init__.__globals__.os.popen('id').read() }}", UNSAFE),
    "namespace globals": ("{{ namespace.__init__.__globals__ }}", UNSAFE),
    "template context": ("{{ self._TemplateReference__context }}", UNSAFE),
    "str.format attribute": ("{{ '{0.__class__}'.format(first_name) }}", UNSAFE),
    "str.format padding": ("{{ '{0:>999999999}'.format(1) }}", UNSAFE),
    "format_map": ("{{ '{a.__class__}'.format_map({'a': first_name}) }}", UNSAFE),
    "printf padding": ("{{ '%0999999999d' % 1 }}", UNSAFE),
    "padding method": ("{{ first_name.ljust(10**9) }}", UNSAFE),
    "dict changed": ("{% set d = dict(a=1) %}{{ d.update(b=2) }}", UNSAFE),
    "huge range": ("{{ range(10**9)|list|length }}", TOO_LARGE),
    "huge power": ("{{ 10 ** 1000000 }}", TOO_LARGE),
    "huge repetition": ("{{ 'x' * 10**9 }}", TOO_LARGE),
    "doubling by ~": (
        "{% set s = 'xxxxxxxxxxxxxxxx' %}" + "{% set s = s ~ s %}" * 40 + "{{ s|length }}",
        TOO_LARGE,
    ),
    "doubling by +": (
        "{% set s = 'xxxxxxxxxxxxxxxx' %}" + "{% set s = s + s %}" * 40 + "{{ s|length }}",
        TOO_LARGE,
    ),
    "doubling in a loop": (
        "{% set ns = namespace(s='x') %}{% for i in range(60) %}"
        "{% set ns.s = ns.s ~ ns.s %}{% endfor %}{{ ns.s|length }}",
        TOO_LARGE,
    ),
    "huge join": ("{{ range(100000)|join('x' * 100000) }}", TOO_LARGE),
    "huge replace": ("{{ ('x' * 200000)|replace('x', 'yyyyyyyy') }}", TOO_LARGE),
    "recursive macro": ("{% macro f(n) %}{{ f(n + 1) }}{% endmacro %}{{ f(0) }}", TOO_LARGE),
    "recursive loop": ("{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}", TOO_LARGE),
    "macro fan-out": (
        "{% macro f(n) %}{% if n < 40 %}{{ f(n + 1) }}{{ f(n + 1) }}{% endif %}{% endmacro %}"
        "{{ f(0) }}",
        TIMEOUT,
    ),
    "100 MB of output": (
        "{% for i in range(100000) %}{% for j in range(1000) %}xxxxxxxxxx{% endfor %}{% endfor %}",
        TOO_LARGE,
    ),
    "silent nested loops": (
        "{% set r = range(100000) %}"
        "{% for a in r %}{% for b in r %}{% for c in r %}{% endfor %}{% endfor %}{% endfor %}",
        TIMEOUT,
    ),
    "nested loops over a name": (
        "{% for a in 'abcdefghij' %}" * 12 + "{% endfor %}" * 12,
        TIMEOUT,
    ),
    "a set block of 10 GB": (
        "{% set x %}{% for i in range(100000) %}{{ 'x' * 100000 }}{% endfor %}{% endset %}"
        "{{ x|length }}",
        TOO_LARGE,
    ),
    "a set block of repeated text": (
        "{% set x %}{% for i in range(100000) %}" + "y" * 100000 + "{% endfor %}{% endset %}",
        TOO_LARGE,
    ),
    "a filter block of 10 GB": (
        "{% filter upper %}{% for i in range(100000) %}{{ 'x' * 100000 }}{% endfor %}"
        "{% endfilter %}",
        TOO_LARGE,
    ),
    "many large values kept": (
        "{% macro m() %}{{ 'x' * 200000 }}{% endmacro %}{% set ns = namespace(l=[]) %}"
        "{% for i in range(100000) %}{% set ns.l = ns.l + [m()] %}{% endfor %}",
        TOO_LARGE,
    ),
    "deeply nested expression": ("{{ " + "(" * 5000 + "1" + ")" * 5000 + " }}", TOO_LARGE),
    "a huge power of a float": ("{{ ((1.5 ** 400000)|int) > 0 }}", TOO_LARGE),
    "many upper-cased copies kept": ("{{ (['x' * 262144] * 300)|map('upper')|list }}", TOO_LARGE),
    "sort keys of long strings": ("{{ (['x' * 262144] * 200000)|sort|length }}", TOO_LARGE),
}


@pytest.mark.parametrize("name", sorted(ATTACKS))
def test_an_attack_fails_with_a_typed_error_in_time(name: str) -> None:
    source, code = ATTACKS[name]
    started = time.monotonic()

    with pytest.raises(TemplateError) as raised:
        render(SmsContent(source), ANN, "en-US")

    assert time.monotonic() - started < WALL_LIMIT_S
    assert raised.value.code == code
    assert raised.value.field == "text"


def test_a_file_the_template_tries_to_write_is_never_written(tmp_path: Path) -> None:
    target = tmp_path / "pwned"
    attempts = [
        f"{{{{ cycler.__init__.__globals__.os.system('touch {target}') }}}}",
        f"{{{{ ''.__class__.__mro__[1].__subclasses__()[0]('touch {target}') }}}}",
        f"{{{{ (lipsum.__globals__ or {{}}).os.system('touch {target}') }}}}",
    ]
    for source in attempts:
        with pytest.raises(TemplateError):
            render(SmsContent(source), ANN, "en-US")

    assert not target.exists()


def test_filters_that_pad_or_reach_attributes_do_not_exist() -> None:
    for source in ("{{ cycler|attr('__init__') }}", "{{ first_name|center(10**9) }}"):
        with pytest.raises(TemplateError) as raised:
            render(SmsContent(source), ANN, "en-US")
        assert raised.value.code == TemplateErrorCode.SYNTAX


def test_one_deadline_covers_all_parts_of_a_message() -> None:
    # Given three parts that each loop for 60 ms: alone each fits, together they do not.
    slow = "{% for i in range(100000) %}{% for j in range(3) %}{% endfor %}{% endfor %}"
    email = EmailContent(subject=slow, html_body=slow, text_body=slow)
    started = time.monotonic()

    with pytest.raises(TemplateError) as raised:
        render(email, ANN, "en-US", time_limit_s=0.15)

    assert raised.value.code == TIMEOUT
    assert time.monotonic() - started < WALL_LIMIT_S


def test_a_division_by_zero_is_a_runtime_error_on_its_line() -> None:
    with pytest.raises(TemplateError) as raised:
        render(SmsContent("Hi\n{{ points / 0 }}"), ANN, "en-US")

    assert (raised.value.code, raised.value.field, raised.value.line) == (
        TemplateErrorCode.RUNTIME,
        "text",
        2,
    )


def test_100_mb_of_html_stops_at_the_html_limit() -> None:
    # Given a loop that would write 100 MB: rendering stops once past 256 KB.
    flood = "{% for i in range(10000) %}{{ 'x' * 10000 }}{% endfor %}"
    email = EmailContent(subject="Hi", html_body=flood, text_body="Hi")
    started = time.monotonic()

    with pytest.raises(TemplateError) as raised:
        render(email, ANN, "en-US")

    assert (raised.value.code, raised.value.field) == (TOO_LARGE, "htmlBody")
    assert time.monotonic() - started < WALL_LIMIT_S


def test_all_the_attacks_together_stay_within_a_few_hundred_megabytes() -> None:
    # Given a fresh process rendering every attack: its peak resident memory (VmHWM; not
    # ru_maxrss, which a child inherits from the parent it was forked from) is theirs alone.
    script = (
        "import json, re, sys\n"
        "from notifications.templates import MessageData, SmsContent, TemplateError, render\n"
        "codes = []\n"
        "for source in json.load(sys.stdin):\n"
        "    try:\n"
        "        render(SmsContent(source), MessageData(first_name='Ann', points=1), 'en-US')\n"
        "    except TemplateError as error:\n"
        "        codes.append(str(error.code))\n"
        "status = open('/proc/self/status').read()\n"
        "peak_kb = int(re.search(r'VmHWM:\\s+(\\d+) kB', status).group(1))\n"
        "print(json.dumps([codes, peak_kb]))\n"
    )
    sources = [source for source, _ in ATTACKS.values()]

    done = subprocess.run(
        [sys.executable, "-c", script],
        input=json.dumps(sources),
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
        cwd=Path(__file__).resolve().parents[3],
    )
    codes, peak_kb = json.loads(done.stdout)

    # Every attack was stopped by a limit (each one's own code is pinned by
    # test_an_attack_fails_with_a_typed_error_in_time): here, on a loaded machine, an attack
    # on the size budget may meet the time limit first (a CI run saw one end TIMEOUT); this
    # test is about the memory they leave.
    expected = [str(code) for _, code in ATTACKS.values()]
    stopped_either_way = {str(TOO_LARGE), str(TIMEOUT)}
    assert len(codes) == len(expected)
    for got, wanted in zip(codes, expected, strict=True):
        assert got == wanted or {got, wanted} <= stopped_either_way, (got, wanted)
    assert peak_kb < 300 * 1024


def test_a_slow_render_in_one_thread_does_not_stop_renders_in_another() -> None:
    # Given one thread rendering a template that times out while another renders quickly.
    slow = SmsContent(
        "{% for a in range(100000) %}{% for b in range(100000) %}{% endfor %}{% endfor %}"
    )
    with ThreadPoolExecutor(max_workers=2) as pool:
        timing_out = pool.submit(render, slow, ANN, "en-US", time_limit_s=0.3)
        quick = [render(SmsContent("Hi [first_name]"), ANN, "en-US").text for _ in range(50)]

        with pytest.raises(TemplateError) as raised:
            timing_out.result()

    assert raised.value.code == TIMEOUT
    assert quick == ["Hi Ann"] * 50


def test_the_time_limit_counts_the_rendering_threads_cpu_not_the_clock() -> None:
    # Given a render's budget of 50 ms: a thread that waits (for the GIL, for the machine)
    # past it on the clock has spent no CPU, so its template goes on; spending the CPU stops it.
    budget = BUDGET.set(Budget.starting_now(0.05))
    try:
        time.sleep(0.1)
        check_deadline()

        with pytest.raises(RenderTimeoutError):
            started = time.thread_time()
            while time.thread_time() - started < 0.1:
                check_deadline()
    finally:
        BUDGET.reset(budget)


def test_the_time_limit_leaves_out_garbage_collection() -> None:
    # Given a heap whose full collections take longer than a 20 ms budget: the collector's
    # work is the runtime's, so the template goes on.
    heap = [[i] for i in range(500_000)]
    budget = BUDGET.set(Budget.starting_now(0.02))
    try:
        started = time.thread_time()
        while time.thread_time() - started < 0.1:
            gc.collect()
        check_deadline()
    finally:
        BUDGET.reset(budget)
    assert len(heap) == 500_000


def test_a_renders_starting_cpu_reading_is_reused_for_a_millisecond_at_most() -> None:
    # Given renders started back to back: they share one reading of the thread's CPU clock
    # (a system call each otherwise); once a millisecond has passed, a new one is taken.
    first = render_cpu_start()
    assert render_cpu_start() == first
    started = time.thread_time()
    while time.thread_time() - started < 0.005:
        pass
    later = render_cpu_start()
    assert later >= first + 0.004
    assert render_cpu_time() - later < 0.001
