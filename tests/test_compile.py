"""The compile step (simulation/compile.py): one registry of option kinds, and a plan found by the study's
content, compiled once."""

from __future__ import annotations

from builders import make_study
from simulation.replications import run_study
from sourcing.paths import with_values


def test_every_kind_of_option_has_one_runtime():
    """The compile step's registry knows every option model of the file format, and only those."""
    from simulation.compile import RUNTIMES
    from sourcing.scenario import OptionModel

    assert set(RUNTIMES) == set(OptionModel.__subclasses__())


def test_a_run_compiles_its_study_once_found_by_its_content(monkeypatch):
    """Two runs of one study compile it once; an equal study read again (another object, same content)
    finds that plan; a study that differs in one value is compiled again."""
    import simulation.compile as compile_module

    calls = []
    compile_study_ = compile_module.compile_study

    def counting(study):
        calls.append(study)
        return compile_study_(study)

    monkeypatch.setattr(compile_module, "compile_study", counting)
    compile_module._compiled.cache_clear()
    study = make_study([{"name": "msp", "default": {"outsource": "msp"}}])
    run_study(study, replications=3, seed=1)
    run_study(study, replications=2, seed=2)
    assert calls == [study]
    again = make_study([{"name": "msp", "default": {"outsource": "msp"}}])
    assert again is not study
    assert compile_module.compiled(again) is compile_module.compiled(study) and calls == [study]
    other = with_values(study, {"providers.msp.fees.monthly": "1234 EUR"})
    compile_module.compiled(other)
    assert calls == [study, other]
