package podpolicy.rules.team_label_test

import data.podpolicy.rules.team_label

test_deny_missing_team_label if {
	count(team_label.violation) == 1 with input as {"pod": {"metadata": {}, "spec": {}}}
}

test_allow_team_label if {
	count(team_label.violation) == 0 with input as {"pod": {"metadata": {"labels": {"team": "shop"}}, "spec": {}}}
}
