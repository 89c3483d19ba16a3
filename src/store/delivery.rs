//! Delivery tasks: one per printed request, keyed by its number.

use super::{Result, Store};
use crate::domain::delivery::DeliveryTask;

impl Store {
    /// Files the task unless the request already has one (a double click, a retried or
    /// re-applied commit): a request never gets two. Returns whether it was new.
    pub fn put_delivery_task(&self, task: &DeliveryTask) -> Result<bool> {
        Ok(self
            .inner
            .delivery_tasks
            .compare_and_swap(
                task.number.as_bytes(),
                None as Option<&[u8]>,
                Some(self.encode(task)?),
            )?
            .is_ok())
    }

    /// Writes a changed task whole.
    pub fn update_delivery_task(&self, task: &DeliveryTask) -> Result<()> {
        self.inner
            .delivery_tasks
            .insert(task.number.as_bytes(), self.encode(task)?)?;
        Ok(())
    }

    pub fn delivery_task(&self, number: &str) -> Result<Option<DeliveryTask>> {
        self.inner
            .delivery_tasks
            .get(number.as_bytes())?
            .map(|v| self.decode("delivery task", &v))
            .transpose()
    }

    /// Every task, by request number.
    pub fn delivery_tasks(&self) -> Result<Vec<DeliveryTask>> {
        self.inner
            .delivery_tasks
            .iter()
            .values()
            .map(|v| self.decode("delivery task", &v?))
            .collect()
    }
}
