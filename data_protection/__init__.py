"""Data protection: the list of every area's part of a customer's data. The domain runs the
export and the erasure (domain.data_requests.services) with the parts it is given; this
package names them all, the domain's and those of notifications and funnels (which the
domain may not import), for the API and the download route to hand over."""
