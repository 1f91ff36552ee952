//! What iamlint knows about Google Cloud IAM, independent of any Terraform: the catalog of
//! roles and permissions ([`catalog`]), the rules' data ([`data`]: what a deployer may not
//! hold, which permissions yield another identity, default identities), and the effective
//! access of a member over a module's grants ([`access`]).

pub mod access;
pub mod catalog;
pub mod data;
