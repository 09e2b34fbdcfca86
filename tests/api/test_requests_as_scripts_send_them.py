"""The management API takes requests as Statuspage's own docs and scripts write them."""

from incidents.models import Component, Incident


def test_paths_with_a_json_suffix_are_the_same_resource(call, v1, manager_key, pods):
    pid = pods["Pod 13"].public_id
    plain = call("GET", f"{v1}/components/{pid}", manager_key)
    suffixed = call("GET", f"{v1}/components/{pid}.json", manager_key)
    assert suffixed.status_code == 200 and suffixed.json() == plain.json()
    listed = call("GET", f"{v1}/components.json", manager_key)
    assert {row["id"] for row in listed.json()} >= {pid}


def test_a_form_encoded_incident_is_read_as_its_json(client, v1, manager_key, pods):
    pod = pods["Pod 13"]
    response = client.post(
        f"{v1}/incidents.json",
        data=(
            "incident[name]=Pod+13+errors&incident[status]=identified"
            "&incident[body]=We+found+it.&incident[deliver_notifications]=false"
            f"&incident[components][{pod.public_id}]=partial_outage"
            f"&incident[component_ids][]={pod.public_id}"
        ),
        content_type="application/x-www-form-urlencoded",
        HTTP_AUTHORIZATION=f"OAuth {manager_key}",
    )
    assert response.status_code == 201, response.content
    created = Incident.objects.get(name="Pod 13 errors")
    assert created.status == "identified"
    assert Component.objects.get(pk=pod.pk).status == "partial_outage"
    assert not created.updates.get().deliver_notifications


def test_a_form_that_spells_no_object_is_a_json_400(client, v1, manager_key, pods):
    before = Incident.objects.count()
    for body in ("incident[name]]=x", "incident[][name]=x", "%ff%fe=\xff"):
        response = client.post(
            f"{v1}/incidents", data=body, content_type="application/x-www-form-urlencoded",
            HTTP_AUTHORIZATION=f"OAuth {manager_key}",
        )  # fmt: skip
        assert response.status_code in (400, 422), body
        assert response["Content-Type"].startswith("application/json")
    assert Incident.objects.count() == before
