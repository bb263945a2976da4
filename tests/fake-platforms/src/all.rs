//! All five fakes at once, with their redirects pointing at a shared "elsewhere" host.

use serde_json::{json, Value};

use crate::{Fake, Kind};

/// All five fakes plus the `Elsewhere` host their redirects point to.
pub struct FakePlatforms {
    pub supervisely: Fake,
    pub cvat: Fake,
    pub roboflow: Fake,
    pub encord: Fake,
    pub env0: Fake,
    pub elsewhere: Fake,
}

impl FakePlatforms {
    pub async fn start() -> FakePlatforms {
        let elsewhere = Fake::start(Kind::Elsewhere).await;
        let all = FakePlatforms {
            supervisely: Fake::start(Kind::Supervisely).await,
            cvat: Fake::start(Kind::Cvat).await,
            roboflow: Fake::start(Kind::Roboflow).await,
            encord: Fake::start(Kind::Encord).await,
            env0: Fake::start(Kind::Env0).await,
            elsewhere,
        };
        for f in all.platforms() {
            f.redirect_to(&all.elsewhere);
        }
        all
    }

    pub fn platforms(&self) -> [&Fake; 5] {
        [&self.supervisely, &self.cvat, &self.roboflow, &self.encord, &self.env0]
    }

    pub fn get(&self, kind: Kind) -> &Fake {
        match kind {
            Kind::Supervisely => &self.supervisely,
            Kind::Cvat => &self.cvat,
            Kind::Roboflow => &self.roboflow,
            Kind::Encord => &self.encord,
            Kind::Env0 => &self.env0,
            Kind::Elsewhere => &self.elsewhere,
        }
    }

    /// `{"supervisely": "http://127.0.0.1:…", …, "elsewhere": …}`
    pub fn urls(&self) -> Value {
        json!({
            "supervisely": self.supervisely.url,
            "cvat": self.cvat.url,
            "roboflow": self.roboflow.url,
            "encord": self.encord.url,
            "env0": self.env0.url,
            "elsewhere": self.elsewhere.url,
        })
    }
}
