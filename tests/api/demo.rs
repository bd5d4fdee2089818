use serde_json::Value;

use crate::helpers::TestApp;

#[tokio::test]
async fn the_demo_loads_the_quang_tri_zones_once() {
    let app = TestApp::spawn().await;
    let demo = app.second_instance().await;
    let first = invest_registry::demo::load(&demo.state).await.unwrap();
    assert_eq!(
        (
            first.zones_created,
            first.zones_present,
            first.parcels_created
        ),
        (9, 0, 4)
    );
    let again = invest_registry::demo::load(&demo.state).await.unwrap();
    assert_eq!(
        (
            again.zones_created,
            again.zones_present,
            again.parcels_created
        ),
        (0, 9, 0)
    );

    let zones: Value = app
        .get("/api/v1/zones?limit=200")
        .await
        .json()
        .await
        .unwrap();
    let items = zones["items"].as_array().unwrap();
    let by_code = |code: &str| items.iter().find(|z| z["code"] == code).unwrap().clone();
    let ndh = by_code("KCN-NDH");
    assert_eq!(ndh["name"], "Khu công nghiệp Nam Đông Hà");
    assert_eq!(ndh["total_area_ha"], 98.754);
    let qt = by_code("KCN-QT");
    assert_eq!(
        qt["parent_id"],
        by_code("KKT-DNQT")["id"],
        "KCN Quảng Trị lies in KKT Đông Nam Quảng Trị"
    );
    let tbhx = by_code("KCN-TBHX");
    assert_eq!(tbhx["term_start"], "2021-03-19");
    assert_eq!(tbhx["term_end"], "2071-03-19");
    let parcels: Value = app
        .get(&format!(
            "/api/v1/zones/{}/parcels",
            ndh["id"].as_str().unwrap()
        ))
        .await
        .json()
        .await
        .unwrap();
    assert!(
        parcels["items"]
            .as_array()
            .unwrap()
            .iter()
            .all(|p| p["note"].as_str().unwrap().contains("Dữ liệu mẫu")),
        "sample parcels are marked as sample data"
    );
    let projects: Value = app.get("/api/v1/projects").await.json().await.unwrap();
    let items = projects["items"].as_array().unwrap();
    assert_eq!(items.len(), 2);
    assert!(
        items
            .iter()
            .all(|p| p["note"].as_str().unwrap().contains("Dữ liệu mẫu"))
    );
    let packaging = &items[0];
    assert_eq!(packaging["status"], "registered");
    assert_eq!(
        packaging["investors"].as_array().unwrap().len(),
        2,
        "one project has two investors"
    );
    assert_eq!(packaging["investors"][0]["share_percent"], 60.0);
    let ndh_now: Value = app
        .get(&format!("/api/v1/zones/{}", ndh["id"].as_str().unwrap()))
        .await
        .json()
        .await
        .unwrap();
    assert_eq!(
        ndh_now["occupancy"]["leased_m2"], 52300.0,
        "lot CN-01 is leased to the registered project"
    );
    let investors: Value = app.get("/api/v1/investors").await.json().await.unwrap();
    let kinds: Vec<&str> = investors["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["kind"].as_str().unwrap())
        .collect();
    assert_eq!(
        kinds,
        [
            "domestic_organization",
            "foreign_organization",
            "foreign_individual"
        ]
    );
}
