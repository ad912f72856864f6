import pytest

from t2i_core.inputs import InputError, clean_prompt, parse_request, parse_seeds

GOOD = {"prompt": "two people shake hands", "seconds": 4, "seeds_text": "0", "num_samples": 1,
        "guidance_scale": 3.5, "steps": 50}


def request(**changes):
    return parse_request(**{**GOOD, **changes})


def test_a_good_request():
    r = request(prompt="  two   people\tshake hands \n", num_samples=3, seeds_text="7")
    assert r.prompt == "two people shake hands" and r.seeds == [7, 8, 9] and r.steps == 50 and not r.warnings
    assert request(seeds_text="3, 9;12", num_samples=3).seeds == [3, 9, 12]
    assert "3 seeds given" in request(seeds_text="3 9 12", num_samples=1).warnings[0]


@pytest.mark.parametrize(("changes", "message"), [
    ({"prompt": ""}, "the prompt is empty"),
    ({"prompt": " \n\t\u200b "}, "the prompt is empty"),
    ({"prompt": None}, "the prompt is empty"),
    ({"prompt": "a" * 5000}, "5,000 characters"),
    ({"prompt": "🤝 123 !!"}, "no words"),
    ({"seconds": 25}, "between 1 and 10 seconds"),
    ({"seconds": None}, "length in seconds is empty"),
    ({"steps": 5000}, "from 1 to 200"),
    ({"steps": 2.5}, "from 1 to 200"),
    ({"num_samples": 99}, "from 1 to 4"),
    ({"guidance_scale": -1}, "between 0 and 20"),
    ({"guidance_scale": float("nan")}, "finite"),
    ({"seeds_text": "x"}, "whole numbers"),
    ({"seeds_text": "-1"}, "whole numbers"),
    ({"seeds_text": str(2**40)}, "too large"),
    ({"seeds_text": "1,2,3,4,5"}, "at most 4"),
])
def test_each_bad_input_says_what_is_accepted(changes, message):
    with pytest.raises(InputError, match=message):
        request(**changes)


def test_all_problems_are_reported_together():
    with pytest.raises(InputError) as info:
        request(prompt="", steps=0, guidance_scale=99)
    assert "prompt" in str(info.value) and "DDIM" in str(info.value) and "guidance" in str(info.value)


def test_other_scripts_and_emoji_warn():
    assert "other scripts" in clean_prompt("两个人握手")[1][0]
    assert "emoji" in clean_prompt("two people 🤝 shake hands")[1][0]
    assert clean_prompt("Zwei Menschen umarmen sich, à bientôt")[1] == []  # accented Latin is fine


def test_seeds_alone():
    assert parse_seeds(" 5 ", 2) == [5, 6]
    with pytest.raises(InputError, match="empty"):
        parse_seeds("", 1)
