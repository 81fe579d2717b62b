//! `storm ui` against a real cluster (ZooKeeper, Nimbus, a supervisor and the UI daemon as
//! processes) running the acked word count: every REST endpoint answers with Storm's field
//! names and plausible values, `/metrics` parses as the Prometheus text format and carries the
//! topology's counters, bad input gets Storm's error shape with a clear message, and the POST
//! actions change the topology's status.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::time::Duration;

use serde_json::Value;
use storm_integration::reports::{read_reports, SpoutReport};
use storm_integration::ui_http::{get, post, HttpReply};
use storm_integration::{wait_until, ClusterOptions, Daemon, StormCluster};

const CLI: &str = env!("CARGO_BIN_EXE_storm_cli");
const TOPOLOGY: &str = env!("CARGO_BIN_EXE_wordcount_topology");
const DEADLINE: Duration = Duration::from_secs(60);

/// A cluster with the UI and the word count running with `args` (its reports in the
/// cluster's `output` folder); returns the UI's base URL and the topology's id.
async fn running_word_count(args: &[&str]) -> (StormCluster, Daemon, String, String) {
    storm_integration::init_tracing();
    let mut options = ClusterOptions::new(CLI);
    options.supervisors = 1;
    let cluster = StormCluster::start(options).await.expect("cluster");
    let (ui, url) = cluster.start_ui().await.expect("storm ui");
    let output = cluster.dir().join("output");
    cluster.submit(TOPOLOGY, "wordcount", &output, args).await;
    let summary = format!("{url}/api/v1/topology/summary");
    let slots = format!("{url}/api/v1/cluster/summary");
    let workers = wait_until(
        "the word count is assigned and running",
        DEADLINE,
        || async {
            let reply = get(&summary).await;
            let assigned = reply.is_ok_and(|r| r.json()["topologies"][0]["workersTotal"] == 1);
            // The supervisor reports its slot in use in its next record.
            let in_use = get(&slots).await.is_ok_and(|r| r.json()["slotsUsed"] == 1);
            assigned && in_use && !cluster.worker_pids().is_empty()
        },
    )
    .await;
    assert!(workers.is_ok(), "{}\n{}", cluster.logs(), ui.log_text());
    let list = get(&summary).await.expect("topology summary").json();
    let id = list["topologies"][0]["id"].as_str().expect("id").to_owned();
    (cluster, ui, url, id)
}

/// A 200 with a JSON body.
async fn get_json(url: &str) -> Value {
    let reply = get(url).await.expect(url);
    assert_eq!(reply.status, 200, "{url}: {}", reply.body);
    assert!(reply.content_type.contains("json"), "{url}: {reply:?}");
    reply.json()
}

fn assert_fields(what: &str, json: &Value, fields: &[&str]) {
    for field in fields {
        assert!(
            json.get(field).is_some(),
            "{what} lacks {field:?}: {json:#}"
        );
    }
}

/// Storm's error shape: HTTP `status`, `{"error": "<status> ...", "errorMessage": ...}`.
fn assert_storm_error(reply: &HttpReply, status: u16, message_part: &str) {
    assert_eq!(reply.status, status, "{reply:?}");
    let json = reply.json();
    let error = json["error"].as_str().unwrap_or_default();
    assert!(error.starts_with(&status.to_string()), "{json}");
    let message = json["errorMessage"].as_str().unwrap_or_default();
    assert!(message.contains(message_part), "{message_part:?} in {json}");
}

fn component<'a>(list: &'a Value, key: &str, id: &str) -> &'a Value {
    list.as_array()
        .and_then(|l| l.iter().find(|c| c[key] == id))
        .unwrap_or_else(|| panic!("no {key} {id} in {list:#}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rest_api_and_metrics_answer_with_storms_fields() {
    // A bounded, paced run: numbers grow for a few seconds, then settle.
    let args = ["--acked", "--rate", "400", "--sentences", "3000"];
    let (cluster, ui, url, id) = running_word_count(&args).await;
    let api = format!("{url}/api/v1");
    let topology_url = format!("{api}/topology/{id}");

    // Emitted grows while the spout runs (the workers publish every few seconds).
    let emitted = |page: &Value| page["topologyStats"][3]["emitted"].as_u64().unwrap_or(0);
    let first = emitted(&get_json(&topology_url).await);
    let grew = wait_until("emitted grows", DEADLINE, || async {
        get(&topology_url)
            .await
            .is_ok_and(|r| emitted(&r.json()) > first)
    })
    .await;
    assert!(grew.is_ok(), "emitted stayed at {first}");

    // Once every sentence is acked, the UI's acked count is what the spout saw acked.
    let output = cluster.dir().join("output");
    let spout_acked = || {
        read_reports::<SpoutReport>(&output, "spout")
            .values()
            .map(|r| r.acked)
            .sum::<u64>()
    };
    let all_acked = wait_until("the spout saw every sentence acked", DEADLINE, || async {
        spout_acked() == 3000
    })
    .await;
    assert!(all_acked.is_ok(), "the spout saw {} acked", spout_acked());
    let ui_acked =
        |page: &Value| component(&page["spouts"], "spoutId", "sentences")["acked"].clone();
    let settled = wait_until("the UI shows every ack", DEADLINE, || async {
        get(&topology_url)
            .await
            .is_ok_and(|r| ui_acked(&r.json()) == 3000)
    })
    .await;
    let page = get_json(&topology_url).await;
    assert!(
        settled.is_ok(),
        "UI acked {} of 3000: {page:#}",
        ui_acked(&page)
    );
    assert_eq!(page["statsMeasured"], true);
    assert_eq!(page["topologyStats"][3]["acked"], 3000, "{page:#}");
    let spout = component(&page["spouts"], "spoutId", "sentences");
    assert_eq!(spout["emitted"], 3000, "{spout}");
    assert_eq!(spout["failed"], 0, "{spout}");
    let complete: f64 = spout["completeLatency"].as_str().unwrap().parse().unwrap();
    assert!(complete > 0.0, "complete latency when acking: {spout}");
    let split = component(&page["bolts"], "boltId", "split");
    assert_eq!(split["executed"], 3000, "{split}");
    assert!(split["emitted"].as_u64().unwrap() > 3000, "{split}");
    let execute: f64 = split["executeLatency"].as_str().unwrap().parse().unwrap();
    assert!(execute >= 0.0, "{split}");

    let summary = get_json(&format!("{api}/cluster/summary")).await;
    assert_fields(
        "cluster summary",
        &summary,
        &[
            "stormVersion",
            "supervisors",
            "topologies",
            "slotsTotal",
            "slotsUsed",
            "slotsFree",
            "executorsTotal",
            "tasksTotal",
            "schedulerDisplayResource",
        ],
    );
    assert_eq!(summary["supervisors"], 1);
    assert_eq!(summary["topologies"], 1);
    assert_eq!(summary["slotsTotal"], 2);
    assert_eq!(summary["slotsUsed"], 1, "{summary}\n{}", cluster.logs());
    assert_eq!(summary["slotsFree"], 1);

    let nimbus = get_json(&format!("{api}/nimbus/summary")).await;
    let leader = &nimbus["nimbuses"][0];
    assert_fields(
        "nimbus",
        leader,
        &[
            "host",
            "port",
            "status",
            "nimbusUpTime",
            "nimbusUpTimeSeconds",
            "version",
        ],
    );
    assert_eq!(leader["status"], "Leader");
    assert_eq!(
        format!("127.0.0.1:{}", leader["port"]),
        cluster.nimbus_addr(),
        "{nimbus}"
    );

    let supervisors = get_json(&format!("{api}/supervisor/summary")).await;
    let supervisor = &supervisors["supervisors"][0];
    assert_fields(
        "supervisor",
        supervisor,
        &[
            "id",
            "host",
            "uptime",
            "uptimeSeconds",
            "slotsTotal",
            "slotsUsed",
        ],
    );
    assert_eq!(
        supervisor["id"].as_str(),
        cluster.supervisor_id(0).as_deref()
    );
    assert_eq!(supervisor["slotsUsed"], 1);

    let topologies = get_json(&format!("{api}/topology/summary")).await;
    let summary = &topologies["topologies"][0];
    assert_fields(
        "topology summary",
        summary,
        &[
            "id",
            "name",
            "status",
            "uptime",
            "uptimeSeconds",
            "tasksTotal",
            "workersTotal",
            "executorsTotal",
        ],
    );
    assert_eq!(summary["name"], "wordcount");
    assert_eq!(summary["status"], "ACTIVE");

    for window in ["600", "10800", "86400", ":all-time"] {
        let page = get_json(&format!("{api}/topology/{id}?window={window}")).await;
        assert_fields(
            "topology",
            &page,
            &[
                "id",
                "name",
                "status",
                "uptime",
                "uptimeSeconds",
                "tasksTotal",
                "workersTotal",
                "executorsTotal",
                "msgTimeout",
                "window",
                "windowHint",
                "topologyStats",
                "spouts",
                "bolts",
                "workers",
                "configuration",
            ],
        );
        assert_eq!(page["window"], window);
        let windows: Vec<&str> = page["topologyStats"]
            .as_array()
            .expect("topologyStats")
            .iter()
            .map(|w| w["window"].as_str().unwrap_or_default())
            .collect();
        assert_eq!(windows, ["600", "10800", "86400", ":all-time"]);
        for stats in page["topologyStats"].as_array().unwrap() {
            assert_fields(
                "topology stats",
                stats,
                &[
                    "windowPretty",
                    "window",
                    "emitted",
                    "transferred",
                    "completeLatency",
                    "acked",
                    "failed",
                ],
            );
        }
        let spout = component(&page["spouts"], "spoutId", "sentences");
        assert_fields(
            "spout",
            spout,
            &[
                "executors",
                "tasks",
                "emitted",
                "transferred",
                "completeLatency",
                "acked",
                "failed",
                "lastError",
                "errorHost",
                "errorPort",
                "errorTime",
                "errorLapsedSecs",
            ],
        );
        assert_eq!(spout["executors"], 1);
        for bolt in ["split", "count", "sink"] {
            let bolt = component(&page["bolts"], "boltId", bolt);
            assert_fields(
                "bolt",
                bolt,
                &[
                    "executors",
                    "tasks",
                    "emitted",
                    "transferred",
                    "capacity",
                    "executeLatency",
                    "executed",
                    "processLatency",
                    "acked",
                    "failed",
                    "lastError",
                ],
            );
            let capacity: f64 = bolt["capacity"].as_str().unwrap().parse().unwrap();
            assert!((0.0..=1.2).contains(&capacity), "{bolt}");
        }
        let worker = &page["workers"][0];
        assert_fields(
            "worker",
            worker,
            &[
                "supervisorId",
                "host",
                "port",
                "topologyId",
                "topologyName",
                "executorsTotal",
                "componentNumTasks",
                "restarts",
            ],
        );
        assert_eq!(worker["componentNumTasks"]["split"], 1, "{worker}");
        assert_eq!(worker["restarts"], 0);
        assert_eq!(page["msgTimeout"], 10, "the word count's message timeout");
    }

    let spout = get_json(&format!(
        "{api}/topology/{id}/component/sentences?window=600"
    ))
    .await;
    assert_fields(
        "spout page",
        &spout,
        &[
            "id",
            "name",
            "topologyId",
            "componentType",
            "executors",
            "tasks",
            "window",
            "windowHint",
            "componentErrors",
            "spoutSummary",
            "outputStats",
            "executorStats",
        ],
    );
    assert_eq!(spout["componentType"], "spout");
    assert_eq!(spout["spoutSummary"].as_array().map(Vec::len), Some(4));
    assert_eq!(spout["outputStats"][0]["stream"], "default");
    assert_eq!(spout["outputStats"][0]["emitted"], 3000, "{spout:#}");
    let executor = &spout["executorStats"][0];
    assert_eq!(executor["emitted"], 3000, "{spout:#}");
    assert_eq!(executor["acked"], 3000, "{spout:#}");
    let bolt = get_json(&format!("{api}/topology/{id}/component/count")).await;
    assert_eq!(bolt["componentType"], "bolt");
    assert_fields(
        "bolt page",
        &bolt,
        &["boltStats", "inputStats", "outputStats"],
    );
    assert_eq!(bolt["inputStats"][0]["component"], "split");
    assert_eq!(bolt["inputStats"][0]["stream"], "default");

    let picture = get_json(&format!("{api}/topology/{id}/visualization")).await;
    let streams = picture["streams"].as_array().expect("streams");
    assert!(
        streams
            .iter()
            .any(|s| s["from"] == "sentences" && s["to"] == "split"),
        "{picture}"
    );

    // Prometheus: the exposition parses and carries the topology's counters per task and stream.
    let metrics = get(&format!("{url}/metrics")).await.expect("/metrics");
    assert_eq!(metrics.status, 200);
    assert!(
        metrics.content_type.starts_with("text/plain"),
        "{metrics:?}"
    );
    let lines = metrics.body.lines().map(|l| Ok(l.to_owned()));
    let scrape = prometheus_parse::Scrape::parse(lines).expect("Prometheus text format");
    let sample = |name: &str, labels: &[(&str, &str)]| {
        scrape
            .samples
            .iter()
            .find(|s| s.metric == name && labels.iter().all(|(k, v)| s.labels.get(k) == Some(*v)))
    };
    assert!(
        sample(
            "storm_topology_status",
            &[("topology", "wordcount"), ("status", "ACTIVE")]
        )
        .is_some(),
        "{}",
        metrics.body
    );
    for (component, stream) in [
        ("sentences", "default"),
        ("split", "default"),
        ("count", "default"),
    ] {
        assert!(
            sample(
                "storm_task_emitted_total",
                &[
                    ("topology", "wordcount"),
                    ("component", component),
                    ("stream", stream)
                ]
            )
            .is_some(),
            "{component}/{stream} in {}",
            metrics.body
        );
    }
    assert!(sample("storm_task_acked_total", &[("component", "sentences")]).is_some());
    assert!(sample("storm_worker_restarts_total", &[("topology", "wordcount")]).is_some());
    assert!(sample("storm_cluster_supervisors", &[]).is_some());

    // Bad input: Storm's error shape with a message that says what is wrong; never a panic.
    let unknown = get(&format!("{api}/topology/nosuch-1-1")).await.unwrap();
    assert_storm_error(&unknown, 500, "nosuch-1-1");
    let unknown = get(&format!("{api}/topology/nosuch-1-1/component/split"))
        .await
        .unwrap();
    assert_storm_error(&unknown, 500, "nosuch-1-1");
    let no_component = get(&format!("{api}/topology/{id}/component/nosuch"))
        .await
        .unwrap();
    assert_storm_error(&no_component, 500, "nosuch");
    let window = get(&format!("{api}/topology/{id}?window=601"))
        .await
        .unwrap();
    assert_storm_error(&window, 400, "window");
    let method = post(&format!("{api}/cluster/summary"), None).await.unwrap();
    assert_storm_error(&method, 405, "POST");
    let method = get(&format!("{api}/topology/{id}/activate")).await.unwrap();
    assert_storm_error(&method, 405, "GET");
    let wait = post(&format!("{api}/topology/{id}/kill/soon"), None)
        .await
        .unwrap();
    assert_storm_error(&wait, 400, "soon");
    let body = post(
        &format!("{api}/topology/{id}/rebalance/0"),
        Some("{not json".into()),
    )
    .await
    .unwrap();
    assert_storm_error(&body, 400, "rebalance body");
    let path = get(&format!("{url}/api/v2/nothing")).await.unwrap();
    assert_storm_error(&path, 404, "/api/v2/nothing");
    let kill_unknown = post(&format!("{api}/topology/nosuch-1-1/kill/0"), None)
        .await
        .unwrap();
    assert_storm_error(&kill_unknown, 500, "nosuch-1-1");

    // The page is served, self-contained.
    let page = get(&format!("{url}/topology.html?id={id}")).await.unwrap();
    assert_eq!(page.status, 200);
    assert!(page.content_type.starts_with("text/html"), "{page:?}");
    // Nothing loaded from elsewhere: no script or style sources, no remote URLs (the SVG
    // namespace URI is a name, not a fetch).
    for outside in ["<script src", "<link", "@import", "https://", "src=\"http"] {
        assert!(!page.body.contains(outside), "the page loads {outside:?}");
    }
    assert!(page.body.contains("/api/v1/topology/"));

    let mut ui = ui;
    assert!(ui.is_running(), "{}", ui.log_text());
}

/// The topology's status as the topology summary shows it (`None` once it is gone).
async fn status(api: &str) -> Option<String> {
    let list = get(&format!("{api}/topology/summary")).await.ok()?.json();
    list["topologies"]
        .get(0)
        .and_then(|t| t["status"].as_str())
        .map(str::to_owned)
}

async fn wait_for_status(api: &str, want: Option<&str>) {
    let reached = wait_until(&format!("status {want:?}"), DEADLINE, || async {
        status(api).await.as_deref() == want
    })
    .await;
    assert!(
        reached.is_ok(),
        "status {:?}, wanted {want:?}",
        status(api).await
    );
}

async fn act(api: &str, id: &str, action: &str, body: Option<String>) {
    let verb = action.split('/').next().unwrap_or(action);
    let reply = post(&format!("{api}/topology/{id}/{action}"), body)
        .await
        .unwrap();
    assert_eq!(reply.status, 200, "{action}: {reply:?}");
    let json = reply.json();
    assert_eq!(json["topologyOperation"], verb, "{json}");
    assert_eq!(json["topologyId"], id, "{json}");
    assert_eq!(json["status"], "success", "{json}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn post_actions_change_the_topologys_status() {
    let args = ["--acked", "--rate", "1000", "--sentences", "100000000"];
    let (_cluster, _ui, url, id) = running_word_count(&args).await;
    let api = format!("{url}/api/v1");

    act(&api, &id, "deactivate", None).await;
    wait_for_status(&api, Some("INACTIVE")).await;
    act(&api, &id, "activate", None).await;
    wait_for_status(&api, Some("ACTIVE")).await;

    // Nimbus's refusal of a rebalance comes back in Storm's error shape.
    let too_many = r#"{"rebalanceOptions": {"executors": {"split": 5}}}"#;
    let refused = post(
        &format!("{api}/topology/{id}/rebalance/0"),
        Some(too_many.into()),
    )
    .await
    .unwrap();
    assert_storm_error(&refused, 500, "1 to 1 executors");

    let body = r#"{"rebalanceOptions": {"numWorkers": 2}}"#;
    act(&api, &id, "rebalance/3", Some(body.into())).await;
    assert_eq!(status(&api).await.as_deref(), Some("REBALANCING"));
    wait_for_status(&api, Some("ACTIVE")).await;
    let spread = wait_until("the word count runs in two workers", DEADLINE, || async {
        let page = get(&format!("{api}/topology/{id}")).await;
        page.is_ok_and(|p| p.json()["workersTotal"] == 2)
    })
    .await;
    assert!(
        spread.is_ok(),
        "numWorkers of the rebalance body was not applied"
    );

    act(&api, &id, "kill/3", None).await;
    assert_eq!(status(&api).await.as_deref(), Some("KILLED"));
    wait_for_status(&api, None).await;
    let gone = get(&format!("{api}/topology/{id}")).await.unwrap();
    assert_storm_error(&gone, 500, &id);
}
